using System.CommandLine;
using Align.ShapeWorld;

namespace Training;

/// <summary>Category names as the CLI takes them: the enum name or the human name, in any case, with '_' or '-' for spaces.</summary>
public static class CategoryNames
{
    public static Category Parse(string text) => Find(text) ??
        throw new ArgumentException($"unknown category '{text}' (one of: {string.Join(", ", Vocabulary.Categories.Select(Slug))})");

    /// <returns>the category named, or null when the text names none</returns>
    public static Category? Find(string text)
    {
        string wanted = Normalise(text);
        foreach (Category c in Vocabulary.Categories)
            if (Normalise(c.ToString()) == wanted || Normalise(Spec.CategoryName(c)) == wanted) return c;
        return null;
    }

    /// <summary>"colour_attribution": for file names.</summary>
    public static string Slug(Category c) => Spec.CategoryName(c).Replace(' ', '_');

    /// <summary>A <c>--categories</c> option: names as <see cref="Parse"/> takes them, several per token.</summary>
    /// <param name="verb">what the command does with them, e.g. "sample"</param>
    public static Option<string[]> NewOption(string verb) => new("--categories")
    {
        Description = $"categories to {verb} (default all): {string.Join(" ", Vocabulary.Categories.Select(Slug))}",
        AllowMultipleArgumentsPerToken = true,
    };

    /// <returns>the categories given, or null (all) when none was</returns>
    public static IReadOnlyList<Category>? From(ParseResult result, Option<string[]> option) =>
        result.GetValue(option) is { Length: > 0 } names ? names.Select(Parse).ToArray() : null;

    private static string Normalise(string s) => new(s.ToLowerInvariant().Where(char.IsLetter).ToArray());
}
