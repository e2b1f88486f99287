using System.Text.Json;
using Torch;
using Torch.NN;
using Torch.Optim;

namespace Training.Loop;

/// <summary>
/// A stage's checkpoint directory: model and optimizer state as safetensors and the step/metrics as JSON. Written to a
/// temporary directory and renamed into place, so a crash leaves either the previous checkpoint or the new one, never half.
/// </summary>
public static class Checkpoint
{
    public sealed record State(int Step, List<Dictionary<string, double>> Metrics);

    public static string PathIn(string outputDirectory) => Path.Combine(outputDirectory, "checkpoint");

    public static void Save(string outputDirectory, Module model, Optimizer optimizer, State state)
    {
        string final = PathIn(outputDirectory), temp = final + $".tmp-{Guid.NewGuid():N}", old = final + ".old";
        Directory.CreateDirectory(temp);
        using (var scope = torch.NewDisposeScope())
        {
            Safetensors.Save(Path.Combine(temp, "model.safetensors"), model.StateDict());
            Safetensors.Save(Path.Combine(temp, "optimizer.safetensors"), optimizer.StateDict());
        }
        File.WriteAllText(Path.Combine(temp, "state.json"), JsonSerializer.Serialize(state));
        if (Directory.Exists(old) && Directory.Exists(final)) Directory.Delete(old, true);
        if (Directory.Exists(final)) Directory.Move(final, old);
        Directory.Move(temp, final);
        if (Directory.Exists(old)) Directory.Delete(old, true);
        // Leftovers of saves that crashed before their rename.
        foreach (string stale in Directory.GetDirectories(outputDirectory, "checkpoint.tmp-*")) Directory.Delete(stale, true);
    }

    /// <summary>Restores the latest checkpoint into the model and optimizer; null when there is none.</summary>
    public static State? TryLoad(string outputDirectory, Module model, Optimizer optimizer)
    {
        string dir = PathIn(outputDirectory);
        if (!File.Exists(Path.Combine(dir, "state.json")))
        {
            // A crash between the two renames leaves the previous checkpoint under .old.
            if (File.Exists(Path.Combine(dir + ".old", "state.json"))) dir += ".old";
            else return null;
        }
        using var scope = torch.NewDisposeScope();
        model.LoadStateDict(Safetensors.Load(Path.Combine(dir, "model.safetensors")));
        optimizer.LoadStateDict(Safetensors.Load(Path.Combine(dir, "optimizer.safetensors")));
        return JsonSerializer.Deserialize<State>(File.ReadAllText(Path.Combine(dir, "state.json")))
               ?? throw new InvalidDataException($"{dir}/state.json is empty");
    }
}
