using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Align.Rewards;
using Align.Text;
using Torch;

namespace Training;

/// <summary>
/// <c>align-train ship-judge</c>: adds a judge trained by <c>train-itm</c> (a reward directory: CLIP towers, tokenizer and a
/// head) to a shipped ShapeWorld model directory as <c>judge/</c> (or <c>--as NAME</c>: <c>NAME/</c>, for a second judge the
/// server ensembles with the first), so a fresh server has a learnt reward that sees layout; with <c>--as counter</c>, the
/// counter <c>train-counter</c> wrote (<see cref="CountReward"/>), which the server ensembles with the judges. The reward must
/// load first; what loaded is saved anew, in the current layout (a FiLM judge saved with a whole CLIPModel ships its text
/// tower alone). Its files, loss curve (<c>report/NAME-loss.png</c>) and caption ranking (a counter: its counting report) are
/// recorded in the model's manifest under NAME with their sha256. The new directory is staged beside the old and swapped in,
/// and the manifest is rewritten under another name and renamed.
/// </summary>
internal static class ShipJudgeCommand
{
    public const string JudgeDirectory = "judge";

    /// <summary>The second judge the embedded model ships: trained with hindsight on ReNO's own images (README, "ReNO's own images as the judge's data").</summary>
    public const string HindsightJudgeDirectory = "judge-hindsight";

    /// <summary>Where the counter ships (README, "A counter for counting").</summary>
    public const string CounterDirectory = "counter";

    // "judge" or "judge-…": never one of the model's own directories (model/, reward/, report/)
    private static bool IsJudgeName(string name) =>
        name == JudgeDirectory || (name.StartsWith(JudgeDirectory + "-", StringComparison.Ordinal) && name.Length > JudgeDirectory.Length + 1 &&
                                   name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'));

    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "judge directory written by align-train train-itm (its train/ is not shipped)", Required = true };
        var to = new Option<string>("--to") { Description = "shipped model directory with a manifest.json (e.g. models/shapeworld)", Required = true };
        var note = new Option<string?>("--note") { Description = "how the judge was trained (the command), recorded in the manifest" };
        var name = new Option<string>("--as")
        {
            Description = $"the judge's directory and manifest entry (default {JudgeDirectory}; e.g. {HindsightJudgeDirectory}, the second judge the server ensembles with it; " +
                          $"{CounterDirectory} for the counter of train-counter)",
            DefaultValueFactory = _ => JudgeDirectory,
        };
        var command = new Command("ship-judge", "Ship a trained judge (or, --as counter, the counter) with the embedded ShapeWorld model (judge/, recorded in its manifest)")
        {
            from, to, note, name,
        };
        command.SetAction(result =>
        {
            string source = result.GetValue(from)!, target = result.GetValue(to)!, judgeName = result.GetValue(name)!;
            Ship(source, target, result.GetValue(note), judgeName);
            result.InvocationConfiguration.Output.WriteLine($"shipped the {(judgeName == CounterDirectory ? "counter" : "judge")} {source} to {Path.Combine(target, judgeName)}");
            return 0;
        });
        return command;
    }

    public static void Ship(string from, string to, string? note, string name = JudgeDirectory)
    {
        bool counter = name == CounterDirectory;
        if (!counter && !IsJudgeName(name))
            throw new ArgumentException($"--as {name}: a judge's name is \"{JudgeDirectory}\" or \"{JudgeDirectory}-\" and lower-case letters, digits or '-' " +
                                        $"(e.g. {HindsightJudgeDirectory}); the counter's is \"{CounterDirectory}\"");
        string manifestPath = Path.Combine(to, "manifest.json");
        if (!File.Exists(manifestPath)) throw new FileNotFoundException($"{manifestPath}: not a shipped model directory (no manifest.json)", manifestPath);
        using var scope = torch.NewDisposeScope();
        using IRewardModel loaded = RewardModels.Load(from, name, Device.CPU);
        (string kind, Action<string> save, string report) = (loaded, counter) switch
        {
            (CountReward c, true) => ("count", c.SavePretrained, "report.json"),
            (IMatchingJudge j, false) => (j is FilmJudgeReward ? "film" : "itm", (Action<string>)(d =>
            {
                j.SavePretrained(d);
                ClipTokenizer.CopyFiles(from, d);
            }), "ranking.json"),
            _ => throw new ArgumentException(counter
                ? $"{from}: a {loaded.GetType().Name}, not a counter trained by train-counter (no {CountReward.HeadDirectory}/)"
                : $"{from}: a {loaded.GetType().Name}, not a judge trained by train-itm (no film_head/ or itm_head/)"),
        };

        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        var files = manifest["files"]?.AsObject() ?? throw new InvalidDataException($"{manifestPath}: no \"files\"");
        string trainDir = Path.Combine(from, "train");
        manifest[name] = new JsonObject
        {
            ["kind"] = kind,
            ["note"] = note,
            [counter ? "counting" : "ranking"] = File.Exists(Path.Combine(trainDir, report)) ? JsonNode.Parse(File.ReadAllText(Path.Combine(trainDir, report))) : null,
        };
        string staging = Path.Combine(to, $"{name}.tmp-{Guid.NewGuid():N}");
        string curve = Path.Combine(trainDir, "loss.png"), shippedCurve = Path.Combine(to, "report", $"{name}-loss.png");
        try
        {
            save(staging);
            foreach (string key in files.Select(f => f.Key).Where(k => k.StartsWith(name + "/", StringComparison.Ordinal)).ToArray()) files.Remove(key);
            foreach (string f in Directory.GetFiles(staging, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                files[$"{name}/{Path.GetRelativePath(staging, f).Replace(Path.DirectorySeparatorChar, '/')}"] = ShipCommand.Sha256(f);
            if (File.Exists(curve)) files[$"report/{name}-loss.png"] = ShipCommand.Sha256(curve);
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, true); // nothing half-copied stays behind
            throw;
        }
        manifest["files"] = new JsonObject(files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => KeyValuePair.Create(f.Key, f.Value?.DeepClone())).ToList());

        string shipped = Path.Combine(to, name), retired = shipped + $".old-{Guid.NewGuid():N}";
        if (Directory.Exists(shipped)) Directory.Move(shipped, retired);
        Directory.Move(staging, shipped);
        // the judge's loss curve follows the judge it belongs to, then the manifest that names both
        if (File.Exists(curve))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(shippedCurve)!);
            AtomicFile.Write(shippedCurve, File.ReadAllBytes(curve));
        }
        AtomicFile.Write(manifestPath, Encoding.UTF8.GetBytes(manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n"));
        if (Directory.Exists(retired)) Directory.Delete(retired, true);
    }
}
