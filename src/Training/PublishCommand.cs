using System.CommandLine;
using Align.Adapters.Store;

namespace Training;

/// <summary><c>align-train publish</c>: publishes an adapter folder as the next version of a name in the adapter store (atomically).</summary>
internal static class PublishCommand
{
    public static Command Create()
    {
        var store = new Option<string>("--store") { Description = "the adapter store directory the servers watch", Required = true };
        var name = new Option<string>("--name") { Description = "adapter name (a-z, 0-9, '.', '_', '-')", Required = true };
        var from = new Option<string>("--from") { Description = "folder with the adapter's files (e.g. adapter_config.json, adapter_model.safetensors)", Required = true };
        var annotate = new Option<string[]>("--annotate") { Description = "KEY=VALUE recorded in the manifest (repeatable)", AllowMultipleArgumentsPerToken = true };
        var command = new Command("publish", "Publish an adapter to the store as its next version (atomic: servers see all of it or none)") { store, name, from, annotate };
        command.SetAction(result =>
        {
            var annotations = new Dictionary<string, string>();
            foreach (string pair in result.GetValue(annotate) ?? [])
            {
                int eq = pair.IndexOf('=');
                if (eq <= 0) throw new ArgumentException($"--annotate takes KEY=VALUE, got '{pair}'");
                annotations[pair[..eq]] = pair[(eq + 1)..];
            }
            AdapterVersion published = new AdapterStore(result.GetValue(store)!).Publish(result.GetValue(name)!, result.GetValue(from)!, annotations);
            result.InvocationConfiguration.Output.WriteLine($"published {published.Name} version {published.Version} ({published.Files.Count} files) to {published.Directory}");
            return 0;
        });
        return command;
    }
}
