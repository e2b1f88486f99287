using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Align.Models.Clip;
using Align.Models.Diffusers;
using Align.Models.Vae;
using Torch;

namespace Training;

/// <summary>
/// <c>align-train ship-shapeworld</c>: copies a pre-trained ShapeWorld model and reward into a directory to ship with the
/// repository, weights in float16, with a manifest: how it was trained, its evaluation, and the sha256 of every file.
/// </summary>
internal static class ShipCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "pretrain-shapeworld output directory", Required = true };
        var to = new Option<string>("--to") { Description = "destination (e.g. models/shapeworld)", Required = true };
        var eval = new Option<string?>("--eval") { Description = "eval.json of the model, recorded in the manifest" };
        var command = new Command("ship-shapeworld", "Package a pre-trained ShapeWorld model (float16 weights, manifest with sha256 and evaluation)") { from, to, eval };
        command.SetAction(result =>
        {
            string src = result.GetValue(from)!, dst = result.GetValue(to)!;
            Ship(src, dst, result.GetValue(eval));
            result.InvocationConfiguration.Output.WriteLine($"shipped {src} to {dst}");
            return 0;
        });
        return command;
    }

    public static void Ship(string from, string to, string? evalJson)
    {
        string staging = to.TrimEnd('/') + $".tmp-{Guid.NewGuid():N}";
        string model = Path.Combine(staging, "model"), reward = Path.Combine(staging, "reward");
        using (var unet = UNet2DConditionModel.FromPretrained(Path.Combine(from, "model", "unet"))) unet.SavePretrained(Path.Combine(model, "unet"), DType.Float16);
        using (var vae = AutoencoderKL.FromPretrained(Path.Combine(from, "model", "vae")))
            vae.SavePretrained(Path.Combine(model, "vae"), DType.Float16);
        using (var text = ClipTextModel.FromPretrained(Path.Combine(from, "model", "text_encoder"))) text.SavePretrained(Path.Combine(model, "text_encoder"), DType.Float16);
        using (var clip = ClipModel.FromPretrained(Path.Combine(from, "reward"))) clip.SavePretrained(reward, DType.Float16);
        CopyFiles(Path.Combine(from, "model", "tokenizer"), Path.Combine(model, "tokenizer"));
        CopyFiles(Path.Combine(from, "model", "scheduler"), Path.Combine(model, "scheduler"));
        File.Copy(Path.Combine(from, "model", "model_index.json"), Path.Combine(model, "model_index.json"));
        foreach (string f in Directory.GetFiles(Path.Combine(from, "reward")).Where(f => Path.GetFileName(f) is not ("model.safetensors" or "config.json")))
            File.Copy(f, Path.Combine(reward, Path.GetFileName(f)));

        // Loss curves of each stage and the evaluation's sample grids, for a reader of the repository.
        string report = Path.Combine(staging, "report");
        Directory.CreateDirectory(report);
        foreach (string stage in Directory.GetDirectories(Path.Combine(from, "train")))
            if (File.Exists(Path.Combine(stage, "loss.png"))) File.Copy(Path.Combine(stage, "loss.png"), Path.Combine(report, $"{Path.GetFileName(stage)}-loss.png"));
        if (evalJson is not null)
            foreach (string png in Directory.GetFiles(Path.GetDirectoryName(Path.GetFullPath(evalJson))!, "*.png"))
                File.Copy(png, Path.Combine(report, $"eval-{Path.GetFileName(png)}"));

        var manifest = new JsonObject
        {
            ["name"] = "shapeworld",
            ["description"] = "Stable Diffusion-shaped model pre-trained on ShapeWorld by align-train pretrain-shapeworld; reward/ is its CLIP reward model.",
            ["training"] = JsonNode.Parse(File.ReadAllText(Path.Combine(from, "plan.json"))),
            ["evaluation"] = evalJson is null ? null : JsonNode.Parse(File.ReadAllText(evalJson)),
            ["files"] = new JsonObject(Directory.GetFiles(staging, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                .Select(f => KeyValuePair.Create<string, JsonNode?>(Path.GetRelativePath(staging, f), Sha256(f)))),
        };
        File.WriteAllText(Path.Combine(staging, "manifest.json"), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        if (Directory.Exists(to)) Directory.Delete(to, true);
        Directory.Move(staging, to);
    }

    private static void CopyFiles(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    internal static string Sha256(string path)
    {
        using FileStream s = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }
}
