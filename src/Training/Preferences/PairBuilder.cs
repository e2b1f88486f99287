using System.Globalization;
using Align.Imaging;
using Align.Pipelines;
using Align.ShapeWorld;
using Torch;
using Training.Evaluation;

namespace Training.Preferences;

/// <summary>
/// Builds a preference set from a model's own samples: for prompts of the ShapeWorld train split (never the eval split),
/// generate <see cref="PairPlan.Seeds"/> images per prompt, judge them, and keep prompts whose images disagree: same-prompt
/// pairs (chosen = preferred, rejected = not), or with <see cref="PairPlan.Cross"/> InstructEngine's cross-validation pairs
/// of a prompt x1 and a one-attribute contradiction x2 of it, written both ways: (x1, y1 ≻ y2) and (x2, y2 ≻ y1).
/// Writes <c>pairs.jsonl</c> and the PNGs the pairs name (<c>images/CATEGORY/SEED.png</c>) under the output directory.
/// A <paramref name="sampler"/> draws the images through an alignment method (ReNO against a learnt reward, best-of-n)
/// instead of plainly: the pairs then hold what that method returns, the images a reward model must learn to rank once a
/// method optimises against it.
/// </summary>
public sealed class PairBuilder(TextToImagePipeline pipeline, IImageJudge judge, PairPlan plan, EvalMethod? sampler = null)
{
    public const string ManifestName = "pairs.jsonl";

    private sealed record Sample(long Seed, byte[] Rgb, RgbImage Image);

    private readonly HashSet<string> _written = new(StringComparer.Ordinal);

    public PairSummary Run(string output, Action<string>? log = null)
    {
        Directory.CreateDirectory(output);
        string manifest = Path.Combine(output, ManifestName);
        var summaries = new List<CategoryPairs>();
        long nextSeed = plan.FirstSeed;
        using var writer = new StreamWriter(manifest);
        foreach (Category category in plan.Categories ?? Vocabulary.Categories)
        {
            IReadOnlyList<Prompt> prompts = PromptSuite.Sample(category, Split.Train, plan.PromptsPerCategory, plan.PromptSeed);
            var random = new Random(plan.PromptSeed * 31 + (int)category);
            int kept = 0, images = 0, pairs = 0, judged = 0;
            double scoreSum = 0;
            foreach (Prompt prompt in prompts)
            {
                Prompt? contrast = plan.Cross ? Contrast(prompt, random) : null;
                if (plan.Cross && contrast is null) continue;
                Prompt[] asked = contrast is null ? [prompt] : [prompt, contrast];
                List<Sample> pool = Generate(asked, ref nextSeed);
                double[] first = judge.Score(pool.Select(s => s.Image).ToArray(), prompt);
                images += pool.Count;
                double[] own = first.Take(plan.Seeds).Where(double.IsFinite).ToArray(); // the prompt's own images against it
                scoreSum += own.Sum();
                judged += own.Length;
                List<PreferencePair> written = PairsFor(output, category, prompt, contrast, pool, first);
                if (written.Count > 0) kept++;
                pairs += written.Count;
                foreach (PreferencePair p in written) writer.WriteLine(PairManifest.ToLine(p));
                writer.Flush();
            }
            var summary = new CategoryPairs(Spec.CategoryName(category), prompts.Count, kept, images, judged == 0 ? double.NaN : scoreSum / judged, pairs);
            summaries.Add(summary);
            log?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"{summary.Category}: {summary.PromptsKept}/{summary.Prompts} prompts gave {summary.Pairs} pairs ({summary.Images} images, mean score {summary.MeanScore:F3})"));
        }
        return new PairSummary(manifest, judge.Name, summaries);
    }

    // The pairs a prompt gives from its images (in cross mode, from the images of the prompt and its contrast).
    private List<PreferencePair> PairsFor(string output, Category category, Prompt prompt, Prompt? contrast, List<Sample> pool, double[] first)
    {
        var pairs = new List<PreferencePair>();
        if (contrast is null)
        {
            foreach ((int c, int r) in PairSelection.SamePrompt(first, plan.MaxPairsPerPrompt, plan.Margin))
                pairs.Add(Pair(output, category, prompt, null, pool[c], first[c], pool[r], first[r], PreferencePair.SamePrompt));
            return pairs;
        }
        double[] second = judge.Score(pool.Select(s => s.Image).ToArray(), contrast);
        foreach ((int a, int b) in PairSelection.Cross(first, second, plan.MaxPairsPerPrompt, plan.Margin))
        {
            pairs.Add(Pair(output, category, prompt, contrast, pool[a], first[a], pool[b], first[b], PreferencePair.Cross));
            pairs.Add(Pair(output, category, contrast, prompt, pool[b], second[b], pool[a], second[a], PreferencePair.Cross));
        }
        return pairs;
    }

    /// <summary>A one-attribute contradiction of the prompt whose spec is also in the train split (relation flipped, colours swapped, …), phrased at random; null when there is none.</summary>
    public static Prompt? Contrast(Prompt prompt, Random random)
    {
        var train = PromptSuite.Specs(prompt.Category, Split.Train);
        Spec[] candidates = SpecPerturbation.Candidates(prompt.Spec).Where(train.Contains).ToArray();
        if (candidates.Length == 0) return null;
        Spec spec = candidates[random.Next(candidates.Length)];
        return new Prompt(prompt.Category, spec, CaptionGrammar.Phrase(spec, random));
    }

    // Seeds images per prompt, all prompts in one device batch; images as the 8-bit pixels that are written.
    private List<Sample> Generate(Prompt[] prompts, ref long nextSeed)
    {
        int size = pipeline.Model.DefaultSize;
        var requests = new List<TextToImageRequest>();
        foreach (Prompt p in prompts)
        {
            long first = nextSeed;
            long[] seeds = Enumerable.Range(0, plan.Seeds).Select(k => first + k).ToArray();
            nextSeed += plan.Seeds;
            requests.Add(new TextToImageRequest(p.Text, seeds, size, size, plan.Steps, plan.Guidance));
        }
        using var scope = torch.NewDisposeScope();
        if (sampler is not null)
            return requests.SelectMany(r =>
            {
                using Tensor images = sampler.Generate(pipeline, r);
                return Samples(r.Seeds, images);
            }).ToList();
        using var noGrad = Autograd.NoGrad();
        using GenerationResult result = pipeline.Generate(requests);
        return Samples(result.Seeds, result.Images);
    }

    private static List<Sample> Samples(IReadOnlyList<long> seeds, Tensor images)
    {
        var samples = new List<Sample>();
        for (int i = 0; i < seeds.Count; i++)
        {
            (byte[] rgb, int w, int h, _) = ImageConversion.ToBytes(images[i]);
            samples.Add(new Sample(seeds[i], rgb, RgbImage.FromBytes(rgb, w, h)));
        }
        return samples;
    }

    private PreferencePair Pair(string output, Category category, Prompt prompt, Prompt? contrast, Sample chosen, double chosenScore,
        Sample rejected, double rejectedScore, string kind) => new()
    {
        Prompt = prompt.Text,
        Chosen = Write(output, category, chosen),
        Rejected = Write(output, category, rejected),
        Category = Spec.CategoryName(category),
        Kind = kind,
        ContrastPrompt = contrast?.Text,
        ChosenSeed = chosen.Seed,
        RejectedSeed = rejected.Seed,
        ChosenScore = chosenScore,
        RejectedScore = rejectedScore,
        Judge = judge.Name,
    };

    // Each image once per run, however many pairs name it; the path is relative to the manifest.
    private string Write(string output, Category category, Sample sample)
    {
        string relative = PairManifest.ImagePath(category, sample.Seed);
        string path = Path.Combine(output, relative);
        if (_written.Add(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, PngEncoder.Encode(sample.Rgb, sample.Image.Width, sample.Image.Height, 3));
        }
        return relative;
    }
}
