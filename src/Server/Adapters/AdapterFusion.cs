using System.Collections.Concurrent;
using Align.Adapters;
using Server.Api;
using Server.Generation;
using Server.Models;

namespace Server.Adapters;

/// <summary>
/// Keeps the adapter a model is configured to fuse (<see cref="ModelOptions.FusedAdapter"/>) merged into its weights, for
/// speed when most requests use it. Fusing is only an optimisation: every run applies the difference between the
/// adapters it asked for and what is fused (<see cref="Relative"/>), so it gets what the unfused model gives, up to
/// rounding. The fused version is leased, so it stays loaded; a newer version is fused between batches by
/// <see cref="Sync"/>, on the model's worker thread, the only thread that activates adapters on the model.
/// </summary>
public sealed class AdapterFusion(AdapterCatalog catalog, ILogger<AdapterFusion> log) : IDisposable
{
    private sealed record Fused(AdapterLease<LoraAdapter> Lease, LoraAdapter Adapter, string Version);

    private readonly ConcurrentDictionary<string, Fused> _fused = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _reported = new(StringComparer.Ordinal);

    /// <summary>The version of the adapter fused into the model now, or null.</summary>
    public string? FusedVersion(string model, string adapter) =>
        _fused.TryGetValue(model, out Fused? f) && f.Adapter.Name == adapter ? f.Version : null;

    /// <summary>
    /// Fuses the store's current version of the model's configured adapter, replacing an older one; unfuses it when the
    /// store no longer has it. Call between batches, on the model's worker thread.
    /// </summary>
    public void Sync(ServedModel model)
    {
        string? name = model.Options.FusedAdapter;
        if (string.IsNullOrEmpty(name)) return;
        double weight = model.Options.FusedAdapterWeight;
        AdapterLease<LoraAdapter>? lease = null;
        try
        {
            lease = catalog.Lease(model.Name, [new AdapterChoice(name, weight)]);
        }
        catch (ServiceException e)
        {
            ReportOnce(model.Name, $"adapter '{name}' is not fused into model {model.Name}: {e.Message}");
        }
        _fused.TryGetValue(model.Name, out Fused? current);
        (LoraAdapter Adapter, string Name, string Version, double Weight)? next = lease?.Adapters[0];
        if (current is not null && ReferenceEquals(next?.Adapter, current.Adapter))
        {
            lease!.Dispose();
            return;
        }
        if (current is not null)
        {
            model.Model.Adapters.Unfuse();
            current.Lease.Dispose();
            _fused.TryRemove(model.Name, out _);
            log.LogInformation("adapter {Adapter} version {Version} unfused from model {Model}", name, current.Version, model.Name);
        }
        if (lease is null || next is not { } chosen) return;
        try
        {
            model.Model.Adapters.Fuse(chosen.Adapter, weight);
        }
        catch (Exception e) when (e is InvalidOperationException or AdapterMismatchException)
        {
            lease.Dispose();
            ReportOnce(model.Name, $"adapter '{name}' version {chosen.Version} could not be fused into model {model.Name}: {e.Message}");
            return;
        }
        _fused[model.Name] = new Fused(lease, chosen.Adapter, chosen.Version);
        _reported.TryRemove(model.Name, out _);
        log.LogInformation("adapter {Adapter} version {Version} fused into model {Model} at weight {Weight}", name, chosen.Version, model.Name, weight);
    }

    /// <summary>
    /// What a run that asked for <paramref name="requested"/> activates on top of the fused weights: each adapter at its
    /// weight, the fused one at its weight less the fused weight (minus the fused weight when the run did not ask for it).
    /// </summary>
    public List<(LoraAdapter Adapter, double Weight)> Relative(ServedModel model, IEnumerable<(LoraAdapter Adapter, double Weight)> requested)
    {
        var list = requested.ToList();
        if (model.Model.Adapters.Fused is not { } fused) return list;
        int own = list.FindIndex(a => ReferenceEquals(a.Adapter, fused.Adapter));
        if (own >= 0) list[own] = (fused.Adapter, list[own].Weight - fused.Weight);
        else list.Add((fused.Adapter, -fused.Weight));
        return list;
    }

    private void ReportOnce(string model, string message)
    {
        if (_reported.TryGetValue(model, out string? last) && last == message) return;
        _reported[model] = message;
        log.LogWarning("{Problem}", message);
    }

    public void Dispose()
    {
        foreach (Fused f in _fused.Values) f.Lease.Dispose();
        _fused.Clear();
    }
}
