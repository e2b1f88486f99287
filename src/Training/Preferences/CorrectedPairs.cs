using System.Globalization;
using Align.Imaging;
using Align.Pipelines;
using Align.ShapeWorld;
using Torch;
using Training.Evaluation;

namespace Training.Preferences;

/// <summary>
/// Pairs whose chosen image is the model's own failed sample corrected from the same initial noise by an alignment method
/// (ReNO against a reward, typically): every rejected image of a manifest (a sample the verifier failed, its prompt and seed
/// recorded) is redrawn from its seed through <paramref name="method"/>, and where the verifier passes the redrawn image it
/// is chosen against the rejected one. Unlike a rendered scene (<see cref="RenderedChosenPairs"/>) the chosen image is on
/// the model's own distribution and differs from the rejected one only where the method moved the noise, so the pair
/// isolates what the model got wrong: the request-time method's corrections, distilled into training data.
/// The steps and guidance must be those the manifest's images were drawn with, so that the redraw starts from them.
/// </summary>
public sealed class CorrectedPairs(TextToImagePipeline pipeline, EvalMethod method, int steps, double guidance)
{
    /// <summary>A prompt's rejected images of the manifest: their seeds and absolute paths, in manifest order.</summary>
    private sealed record Failed(Prompt Prompt, List<(long Seed, string Path)> Images);

    /// <param name="perCategory">at most this many rejected images per category (the first in manifest order); null: all</param>
    /// <returns>the manifest written, and per category the rejected images redrawn and the pairs they gave</returns>
    public (string Manifest, IReadOnlyList<(string Category, int Redrawn, int Pairs)> Categories) Run(
        string source, string output, IReadOnlyList<Category>? categories, int? perCategory, Action<string>? log = null)
    {
        if (perCategory is < 1) throw new ArgumentException("--per-category must be at least 1");
        List<Failed> failed = Read(source, categories, perCategory); // every prompt read before anything is drawn
        Directory.CreateDirectory(output);
        var judge = new VerifierJudge();
        string manifest = Path.Combine(output, PairBuilder.ManifestName), partial = manifest + ".partial";
        var counts = new List<(string, int, int)>();
        using (var writer = new StreamWriter(partial))
        {
            foreach (IGrouping<Category, Failed> category in failed.GroupBy(f => f.Prompt.Category))
            {
                int redrawn = 0, pairs = 0;
                foreach (Failed f in category)
                {
                    RgbImage[] images = Redraw(f);
                    double[] verdicts = judge.Score(images, f.Prompt);
                    redrawn += images.Length;
                    for (int i = 0; i < images.Length; i++)
                    {
                        if (verdicts[i] < 1) continue;
                        (long seed, string rejected) = f.Images[i];
                        string chosen = PairManifest.ImagePath(f.Prompt.Category, seed);
                        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(output, chosen))!);
                        File.WriteAllBytes(Path.Combine(output, chosen), images[i].ToPng());
                        writer.WriteLine(PairManifest.ToLine(new PreferencePair
                        {
                            Prompt = f.Prompt.Text, Chosen = chosen, Rejected = rejected, Category = Spec.CategoryName(f.Prompt.Category),
                            Kind = PreferencePair.SamePrompt, ChosenSeed = seed, RejectedSeed = seed, ChosenScore = 1, RejectedScore = 0,
                            Judge = judge.Name,
                        }));
                        pairs++;
                    }
                    writer.Flush();
                }
                string name = Spec.CategoryName(category.Key);
                counts.Add((name, redrawn, pairs));
                log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"{name}: {pairs} of {redrawn} redrawn images pass ({method.Name})"));
            }
        }
        // renamed only when complete, so a manifest never names images a crash left unwritten
        File.Move(partial, manifest, overwrite: true);
        return (manifest, counts);
    }

    // The rejected images of the verifier's same-prompt pairs, grouped by prompt; each image once, however many pairs name it.
    private static List<Failed> Read(string source, IReadOnlyList<Category>? categories, int? perCategory)
    {
        IReadOnlyList<PreferencePair> pairs = PairManifest.ReadResolved(source);
        var byPrompt = new Dictionary<(Category, string), Failed>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var taken = new Dictionary<Category, int>();
        for (int line = 0; line < pairs.Count; line++)
        {
            PreferencePair pair = pairs[line];
            if (pair.Kind is not (null or PreferencePair.SamePrompt) || pair.RejectedSeed is not long seed)
                throw new InvalidDataException($"{source}: pair {line + 1}: not a same-prompt pair with its rejected seed (as align-train pairs writes)");
            Spec spec = pair.PromptSpec()
                        ?? throw new InvalidDataException($"{source}: pair {line + 1}: the prompt \"{pair.Prompt}\" is not a ShapeWorld caption");
            if (categories is not null && !categories.Contains(spec.Category)) continue;
            if (!seen.Add(pair.Rejected)) continue;
            int count = taken.GetValueOrDefault(spec.Category);
            if (count >= perCategory) continue;
            taken[spec.Category] = count + 1;
            if (!byPrompt.TryGetValue((spec.Category, pair.Prompt), out Failed? f))
                byPrompt[(spec.Category, pair.Prompt)] = f = new Failed(new Prompt(spec.Category, spec, pair.Prompt), []);
            f.Images.Add((seed, pair.Rejected));
        }
        if (byPrompt.Count == 0)
            throw new InvalidDataException($"{source}: no rejected images" +
                                           (categories is null ? "" : $" of {string.Join(", ", categories.Select(Spec.CategoryName))}"));
        return byPrompt.Values.ToList();
    }

    // All of a prompt's rejected seeds redrawn in one request (the method optimises them as a batch of independent problems).
    private RgbImage[] Redraw(Failed f)
    {
        using var scope = torch.NewDisposeScope();
        int size = pipeline.Model.DefaultSize;
        var request = new TextToImageRequest(f.Prompt.Text, f.Images.Select(i => i.Seed).ToArray(), size, size, steps, guidance);
        using Tensor images = method.Generate(pipeline, request);
        return Enumerable.Range(0, f.Images.Count).Select(i =>
        {
            (byte[] rgb, int w, int h, _) = ImageConversion.ToBytes(images[i]);
            return RgbImage.FromBytes(rgb, w, h); // judged as written: 8-bit
        }).ToArray();
    }
}
