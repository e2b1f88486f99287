using System.Diagnostics;
using System.Globalization;
using Align.Adapters;
using Align.Imaging;
using Align.Pipelines;
using Align.Rewards;
using Server.Adapters;
using Server.Api;
using Server.Generation;
using Server.Metrics;
using Server.Models;
using Torch;

namespace Server.Queue;

/// <summary>
/// Runs one batch of compatible requests on the device: the pipeline over all of them at once, the model's rewards on
/// every image, PNG encoding, then each request's response. Requests cancelled meanwhile are left out; when all of
/// them are gone the run stops at the next denoising step.
/// </summary>
public sealed class BatchRunner(ModelCatalog catalog, AdapterCatalog adapters, AdapterFusion fusion, AlignmentRunner alignment, ServerMetrics metrics,
    ILogger<BatchRunner> log)
{
    public void Run(List<WorkItem> batch)
    {
        List<WorkItem> live = batch.Where(i => !i.IsFinished).ToList();
        if (live.Count == 0) return;
        GenerationRequest first = live[0].Request;
        string method = first.Alignment.Method;
        foreach (WorkItem item in live)
        {
            item.MarkStarted();
            metrics.QueueWait(item.QueueWait, method);
        }
        metrics.Batch(live.Count);

        using var allGone = new CancellationTokenSource();
        var registrations = live.Select(i => i.Cancelled.Register(() =>
        {
            if (live.All(x => x.IsFinished || x.Cancelled.IsCancellationRequested)) allGone.Cancel();
        })).ToList();
        try
        {
            ServedModel model = catalog.Get(first.Model) ?? throw new ServiceException(ErrorCode.Unavailable, $"model {first.Model} is not loaded");
            (ItemResult[] results, Dictionary<string, float[]> rewards, TimeSpan generate) = OnDevice(model, live, method, allGone.Token);
            // Only now, with the batch's tensors, adapter activation and lease released, do responses go out: a client that
            // has its response never finds the batch still holding native memory. PNG encoding runs on the thread pool,
            // so the device takes its next batch meanwhile.
            for (int n = 0; n < live.Count; n++)
            {
                WorkItem item = live[n];
                ItemResult result = results[n];
                _ = Task.Run(() => Complete(item, result, rewards, generate));
            }
        }
        catch (OperationCanceledException) when (allGone.IsCancellationRequested)
        {
            // every request of the batch has already ended (cancelled or past its deadline)
        }
        catch (ServiceException e)
        {
            foreach (WorkItem item in live) item.Fail(e);
        }
        catch (ArgumentException e) when (method != AlignmentOptions.None)
        {
            // what an alignment method can only check against the prompt itself (e.g. no subject tokens found)
            foreach (WorkItem item in live) item.Fail(ServiceException.Invalid("alignment", e.Message));
        }
        catch (Exception e)
        {
            log.LogError(e, "batch of {Count} requests ({First}) failed", live.Count, first.Id);
            foreach (WorkItem item in live) item.Fail(new ServiceException(ErrorCode.Internal, $"generation failed: {e.Message}"));
        }
        finally
        {
            foreach (CancellationTokenRegistration r in registrations) r.Dispose();
        }
    }

    // The batch on the device: generation (plain or aligned) under the batch's adapters, the model's rewards on every
    // image, and the images as bytes. Everything native it makes is released before it returns.
    private (ItemResult[] Results, Dictionary<string, float[]> Rewards, TimeSpan Generate) OnDevice(ServedModel model, List<WorkItem> live, string method,
        CancellationToken allGone)
    {
        GenerationRequest first = live[0].Request;
        var watch = Stopwatch.StartNew();
        // The batch shares its adapters (they are part of the batch key). The lease pins their versions for the run;
        // the activation applies them, and keeps any other run's adapters off the model meanwhile.
        // A fused adapter's new version is fused first; the activation then applies the batch's adapters relative to it.
        fusion.Sync(model);
        using AdapterLease<LoraAdapter>? lease = adapters.Lease(first.Model, first.Adapters);
        using AdapterActivation activation = model.Model.Adapters.Activate(
            fusion.Relative(model, lease?.Adapters.Select(a => (a.Adapter, a.Weight)) ?? []), allGone);
        using var scope = torch.NewDisposeScope();
        // Per request: its images (in one tensor for all, request order), their seeds, and what the method did.
        (Tensor images, long[][] seeds, AlignmentReport[] reports) = method == AlignmentOptions.None
            ? Plain(model, live, allGone)
            : alignment.Run(model, live[0], allGone);
        string[] prompts = live.SelectMany((i, n) => Enumerable.Repeat(i.Request.Prompt, seeds[n].Length)).ToArray();
        AppliedAdapter[] applied = lease?.Adapters.Select(a => new AppliedAdapter(a.Name, a.Version, a.Weight)).ToArray() ?? [];
        Dictionary<string, float[]> rewards = model.Rewards.ToDictionary(r => r.Name, r => Score(r, images, prompts));
        Tensor cpu = images.To(Device.CPU, DType.Float32);
        var pixels = new (byte[] Pixels, int Width, int Height, int Channels)[prompts.Length];
        for (int k = 0; k < pixels.Length; k++) pixels[k] = ImageConversion.ToBytes(cpu[k]);
        TimeSpan generate = watch.Elapsed;
        metrics.Generation(generate, method);
        var results = new ItemResult[live.Count];
        for (int n = 0, offset = 0; n < live.Count; offset += seeds[n].Length, n++)
            results[n] = new ItemResult(pixels.AsSpan(offset, seeds[n].Length).ToArray(), seeds[n], offset, reports[n], applied);
        return (results, rewards, generate);
    }

    private (Tensor Images, long[][] Seeds, AlignmentReport[] Reports) Plain(ServedModel model, List<WorkItem> live, CancellationToken cancel)
    {
        TextToImageRequest[] requests = live.Select(i => i.Request.ToPipeline()).ToArray();
        using GenerationResult result = model.Pipeline.Generate(requests, onStep: p =>
        {
            int offset = 0; // the request's first image in the batch
            foreach (WorkItem item in live)
            {
                GenerationRequest r = item.Request;
                item.Publish(new ProgressEvent(r.Id, "denoise", p.Step, p.Total, null)
                {
                    Previews = StepPreviews.Due(r.Previews, p.Step, p.Total) ? StepPreviews.Encode(model, p.Latents, offset, r.NumImages) : null,
                });
                offset += r.NumImages;
            }
        }, cancel: cancel);
        return (result.Images.Clone(), live.Select(i => i.Request.Seeds.ToArray()).ToArray(),
            live.Select(_ => new AlignmentReport(AlignmentOptions.None, 0, [])).ToArray());
    }

    /// <summary>One request's share of a batch: its pixels and seeds, where its rewards start, what its method did.</summary>
    private sealed record ItemResult((byte[] Pixels, int Width, int Height, int Channels)[] Pixels, long[] Seeds, int Offset, AlignmentReport Report,
        AppliedAdapter[] Adapters);

    private void Complete(WorkItem item, ItemResult result, Dictionary<string, float[]> rewards, TimeSpan generate)
    {
        try
        {
            var encode = Stopwatch.StartNew();
            GenerationRequest r = item.Request;
            int offset = result.Offset;
            var generated = new List<GeneratedImage>();
            for (int k = 0; k < result.Seeds.Length; k++)
            {
                long seed = result.Seeds[k];
                (byte[] bytes, int w, int h, int c) = result.Pixels[k];
                byte[] png = PngEncoder.Encode(bytes, w, h, c, PngText(r, seed, result.Adapters));
                var scores = new Dictionary<string, double>();
                foreach ((string name, float[] values) in rewards)
                {
                    if (float.IsNaN(values[offset + k])) continue;
                    scores[name] = values[offset + k];
                    metrics.RewardScore(values[offset + k], name);
                }
                generated.Add(new GeneratedImage(png, seed, scores));
            }
            var timings = new Timings(item.QueueWait.TotalMilliseconds, generate.TotalMilliseconds, encode.Elapsed.TotalMilliseconds,
                Stopwatch.GetElapsedTime(item.EnqueuedAt).TotalMilliseconds);
            if (item.Complete(new GenerationResponse(r.Id, r.Model, generated, result.Report, timings) { Scheduler = r.Scheduler, Adapters = result.Adapters }))
                metrics.ImagesGenerated(generated.Count, r.Model);
        }
        catch (Exception e)
        {
            log.LogError(e, "encoding the result of {Request} failed", item.Request.Id);
            item.Fail(new ServiceException(ErrorCode.Internal, $"encoding the result failed: {e.Message}"));
        }
        finally
        {
            item.Dispose();
        }
    }

    private static float[] Score(IRewardModel reward, Tensor images, string[] prompts)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = Autograd.NoGrad();
        return reward.Score(images, prompts).To(Device.CPU, DType.Float32).ToArray<float>();
    }

    // Generation parameters in the PNG (tEXt), as image tools show them; nothing request-specific, so equal requests give equal files.
    private static Dictionary<string, string> PngText(GenerationRequest r, long seed, AppliedAdapter[] adapters) => new()
    {
        ["prompt"] = r.Prompt,
        ["parameters"] = string.Create(CultureInfo.InvariantCulture,
            $"model: {r.Model}, seed: {seed}, steps: {r.Steps}, guidance: {r.Guidance}, scheduler: {r.Scheduler}, size: {r.Width}x{r.Height}, negative: {r.NegativePrompt}")
            + string.Concat(adapters.Select(a => string.Create(CultureInfo.InvariantCulture, $", adapter: {a.Name}@{a.Version}:{a.Weight}"))),
    };
}
