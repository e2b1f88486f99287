using System.Text.Json;
using Server.Tests.RealProcess;

namespace Server.Tests.Deploy;

/// <summary>
/// The manifests under k8s/ as kubectl renders them (kubectl kustomize, offline), read into JSON by the Node package in
/// Deploy/validate (the same YAML parser its schema validator uses).
/// </summary>
public static class Kustomize
{
    /// <summary>Every kustomization an operator applies or builds on, relative to k8s/.</summary>
    public static readonly string[] Kustomizations = ["base", "gpu-base", "overlays/gpu", "overlays/gpu-hpa", "overlays/cpu-dev", "training"];

    public static string ValidatorPackage => Path.Combine(RepositoryRoot.Path, "tests", "Server.Tests", "Deploy", "validate");

    /// <summary>kubectl kustomize k8s/{kustomization}: the YAML it prints.</summary>
    public static async Task<string> RenderAsync(string kustomization)
    {
        string directory = Path.Combine(RepositoryRoot.Path, "k8s", kustomization);
        Assert.True(File.Exists(Path.Combine(directory, "kustomization.yaml")), $"{directory} has no kustomization.yaml");
        Tool.Result r = await Tool.RunAsync("kubectl", ["kustomize", directory],
            installHint: "Debian 12: apt-get install kubernetes-client; scripts/test.sh installs it when kubectl is missing");
        Assert.True(r.ExitCode == 0 && r.Stdout.Contains("kind:"), $"kubectl kustomize {directory}: {r}");
        return r.Stdout;
    }

    /// <summary>Runs a script of the Node package in Deploy/validate with the YAML on its standard input.</summary>
    public static Task<Tool.Result> RunNodeAsync(string script, string yaml)
    {
        Assert.True(Directory.Exists(Path.Combine(ValidatorPackage, "node_modules", "kubernetes-models")),
            $"the npm packages of {ValidatorPackage} are not installed: run npm ci there (scripts/test.sh does)");
        return Tool.RunAsync("node", [Path.Combine(ValidatorPackage, script)], stdin: yaml, workingDirectory: ValidatorPackage,
            installHint: "Debian 12: apt-get install nodejs npm; scripts/test.sh installs them");
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<Manifests>>> Rendered = new();

    /// <summary>The rendered objects of a kustomization (rendered once per test run: the files do not change during it).</summary>
    public static Task<Manifests> ObjectsAsync(string kustomization) =>
        Rendered.GetOrAdd(kustomization, k => new Lazy<Task<Manifests>>(() => ReadObjectsAsync(k))).Value;

    private static async Task<Manifests> ReadObjectsAsync(string kustomization)
    {
        Tool.Result r = await RunNodeAsync("to-json.mjs", await RenderAsync(kustomization));
        Assert.True(r.ExitCode == 0, $"to-json.mjs on k8s/{kustomization}: {r}");
        using JsonDocument document = JsonDocument.Parse(r.Stdout);
        return new Manifests(kustomization, document.RootElement.EnumerateArray().Select(o => o.Clone()).ToList());
    }
}

/// <summary>The objects one kustomization renders, looked up by kind and name.</summary>
public sealed record Manifests(string Kustomization, IReadOnlyList<JsonElement> Objects)
{
    public JsonElement Get(string kind, string name) =>
        Find(kind, name) ?? throw new Xunit.Sdk.XunitException($"k8s/{Kustomization} renders no {kind}/{name}");

    public JsonElement? Find(string kind, string name) =>
        Objects.Cast<JsonElement?>().FirstOrDefault(o => o!.Value.GetProperty("kind").GetString() == kind &&
                                                          o.Value.GetProperty("metadata").GetProperty("name").GetString() == name);

    public IEnumerable<JsonElement> OfKind(string kind) => Objects.Where(o => o.GetProperty("kind").GetString() == kind);
}
