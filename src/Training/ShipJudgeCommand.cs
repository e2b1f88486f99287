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
/// head) to a shipped ShapeWorld model directory as <c>judge/</c>, so a fresh server has a learnt reward that sees layout. The
/// judge must load as a reward first; what loaded is saved anew, in the current layout (a FiLM judge saved with a whole
/// CLIPModel ships its text tower alone). Its files, loss curve and caption ranking are recorded in the model's manifest with
/// their sha256. The new <c>judge/</c> is staged beside the old and swapped in, and the manifest is rewritten under another
/// name and renamed.
/// </summary>
internal static class ShipJudgeCommand
{
    public const string JudgeDirectory = "judge";

    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "judge directory written by align-train train-itm (its train/ is not shipped)", Required = true };
        var to = new Option<string>("--to") { Description = "shipped model directory with a manifest.json (e.g. models/shapeworld)", Required = true };
        var note = new Option<string?>("--note") { Description = "how the judge was trained (the command), recorded in the manifest" };
        var command = new Command("ship-judge", "Ship a trained judge with the embedded ShapeWorld model (judge/, recorded in its manifest)") { from, to, note };
        command.SetAction(result =>
        {
            string source = result.GetValue(from)!, target = result.GetValue(to)!;
            Ship(source, target, result.GetValue(note));
            result.InvocationConfiguration.Output.WriteLine($"shipped the judge {source} to {Path.Combine(target, JudgeDirectory)}");
            return 0;
        });
        return command;
    }

    public static void Ship(string from, string to, string? note)
    {
        string manifestPath = Path.Combine(to, "manifest.json");
        if (!File.Exists(manifestPath)) throw new FileNotFoundException($"{manifestPath}: not a shipped model directory (no manifest.json)", manifestPath);
        using var scope = torch.NewDisposeScope();
        using IRewardModel loaded = RewardModels.Load(from, JudgeDirectory, Device.CPU);
        var judge = loaded as IMatchingJudge
                    ?? throw new ArgumentException($"{from}: a {loaded.GetType().Name}, not a judge trained by train-itm (no film_head/ or itm_head/)");
        string kind = judge is FilmJudgeReward ? "film" : "itm";

        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        var files = manifest["files"]?.AsObject() ?? throw new InvalidDataException($"{manifestPath}: no \"files\"");
        string trainDir = Path.Combine(from, "train");
        manifest["judge"] = new JsonObject
        {
            ["kind"] = kind,
            ["note"] = note,
            ["ranking"] = File.Exists(Path.Combine(trainDir, "ranking.json")) ? JsonNode.Parse(File.ReadAllText(Path.Combine(trainDir, "ranking.json"))) : null,
        };
        string staging = Path.Combine(to, $"{JudgeDirectory}.tmp-{Guid.NewGuid():N}");
        string curve = Path.Combine(trainDir, "loss.png"), shippedCurve = Path.Combine(to, "report", "judge-loss.png");
        try
        {
            judge.SavePretrained(staging);
            ClipTokenizer.CopyFiles(from, staging);
            foreach (string key in files.Select(f => f.Key).Where(k => k.StartsWith(JudgeDirectory + "/", StringComparison.Ordinal)).ToArray()) files.Remove(key);
            foreach (string f in Directory.GetFiles(staging, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                files[$"{JudgeDirectory}/{Path.GetRelativePath(staging, f).Replace(Path.DirectorySeparatorChar, '/')}"] = ShipCommand.Sha256(f);
            if (File.Exists(curve)) files["report/judge-loss.png"] = ShipCommand.Sha256(curve);
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, true); // nothing half-copied stays behind
            throw;
        }
        manifest["files"] = new JsonObject(files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => KeyValuePair.Create(f.Key, f.Value?.DeepClone())).ToList());

        string shipped = Path.Combine(to, JudgeDirectory), retired = shipped + $".old-{Guid.NewGuid():N}";
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
