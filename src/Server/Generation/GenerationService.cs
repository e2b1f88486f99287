using Microsoft.Extensions.Options;
using Server.Api;
using Server.Models;
using Server.Queue;

namespace Server.Generation;

/// <summary>
/// The one request path both transports call: validate into a <see cref="GenerationRequest"/>, admit it to its device's
/// queue (or refuse at once), and hand back its events and completion.
/// </summary>
public sealed class GenerationService(RequestValidator validator, WorkQueues queues, ModelCatalog catalog, ServingState state,
    IOptions<QueueOptions> options)
{
    /// <summary>
    /// Validates and queues the request. Errors that need no device (invalid, unknown model, full queue, not serving) are
    /// thrown here as <see cref="ServiceException"/>, before anything is sent to the client.
    /// </summary>
    /// <param name="timeout">the client's deadline; capped at (and defaulting to) the configured request timeout</param>
    /// <param name="cancel">fires when the client goes away or cancels</param>
    public WorkItem Submit(GenerateInput input, string transport, TimeSpan? timeout, CancellationToken cancel)
    {
        if (!state.IsServing) throw new ServiceException(ErrorCode.Unavailable, $"not serving: {state.Reason}");
        string id = NewRequestId();
        GenerationRequest request = validator.Validate(input, transport, id);
        var max = TimeSpan.FromSeconds(options.Value.DefaultTimeoutSeconds);
        TimeSpan deadline = timeout is { } t && t < max ? t : max;
        if (deadline <= TimeSpan.Zero) throw new ServiceException(ErrorCode.DeadlineExceeded, "the request's deadline has already passed");
        var item = new WorkItem(request, deadline, cancel);
        try
        {
            int ahead = queues.For(request.Model).Enqueue(item);
            item.Publish(new QueuedEvent(id, ahead));
            return item;
        }
        catch
        {
            item.Dispose();
            throw;
        }
    }

    /// <summary>Submits and waits for the result; errors arrive as <see cref="ServiceException"/>.</summary>
    public Task<GenerationResponse> GenerateAsync(GenerateInput input, string transport, TimeSpan? timeout, CancellationToken cancel) =>
        Submit(input, transport, timeout, cancel).Completion;

    public IReadOnlyList<ModelDescription> ListModels() => catalog.Configured.Select(m =>
    {
        ServedModel? loaded = catalog.Get(m.Name);
        return new ModelDescription(m.Name, loaded is not null, ModelCatalog.DeviceName(m.Device), loaded?.DefaultSize, loaded?.DefaultSize,
            m.DefaultSteps, m.DefaultGuidance, loaded?.SizeMultiple, m.Rewards, loaded?.Pipeline.DefaultScheduler, Align.Schedulers.SchedulerChoice.Names);
    }).ToArray();

    private static string NewRequestId() => Guid.CreateVersion7().ToString("N");
}

/// <summary>A served model as clients see it in the model list.</summary>
public sealed record ModelDescription(string Name, bool Ready, string Device, int? DefaultWidth, int? DefaultHeight, int DefaultSteps,
    double DefaultGuidance, int? SizeMultiple, IReadOnlyList<string> Rewards, string? DefaultScheduler, IReadOnlyList<string> Schedulers);
