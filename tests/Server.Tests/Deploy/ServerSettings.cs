using Microsoft.Extensions.Configuration;
using System.Reflection;
using Server.Models;

namespace Server.Tests.Deploy;

/// <summary>
/// Whether an environment variable is a setting the server reads: the options class bound to its section (the
/// <c>Section</c> constants, as Program.cs binds them) takes it through the configuration binder with
/// ErrorOnUnknownConfiguration, so an unknown name or a value of the wrong type is refused with the binder's reason.
/// </summary>
public static class ServerSettings
{
    private static readonly (string Section, Type[] Types)[] Sections = OptionSections();

    private static (string, Type[])[] OptionSections()
    {
        var sections = typeof(ServerOptions).Assembly.GetTypes()
            .Select(t => (Type: t, Field: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
            .Where(x => x.Field is { IsLiteral: true } && x.Field.FieldType == typeof(string))
            .GroupBy(x => (string)x.Field!.GetRawConstantValue()!, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Select(x => x.Type).ToList(), StringComparer.OrdinalIgnoreCase);
        sections[ServerOptions.Section].Add(typeof(CatalogOptions)); // Program.cs binds the model and reward lists from "Server" too
        return sections.OrderByDescending(s => s.Key.Length).Select(s => (s.Key, s.Value.ToArray())).ToArray();
    }

    /// <summary>Null when the server binds NAME=VALUE, else why not.</summary>
    public static string? Refusal(string name, string value)
    {
        string key = name.Replace("__", ":", StringComparison.Ordinal);
        if (key.StartsWith("Logging:", StringComparison.OrdinalIgnoreCase)) return null; // the host's own logging section
        var owner = Sections.FirstOrDefault(s => key.StartsWith(s.Section + ":", StringComparison.OrdinalIgnoreCase));
        if (owner.Section is null) return $"{name}: no options class of the server binds its section";
        IConfigurationSection section = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>(key, value)]).Build().GetSection(owner.Section);
        var reasons = new List<string>();
        foreach (Type type in owner.Types)
        {
            try
            {
                section.Get(type, o => o.ErrorOnUnknownConfiguration = true);
                return null;
            }
            catch (InvalidOperationException e)
            {
                reasons.Add($"{type.Name}: {e.Message}");
            }
        }
        return $"{name}={value}: {string.Join("; ", reasons)}";
    }
}
