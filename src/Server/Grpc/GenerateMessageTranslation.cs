using Google.Protobuf;
using Google.Protobuf.Collections;
using Server.Generation;
using V1 = Align.V1;

namespace Server.Grpc;

/// <summary>Results, events and the model list as align.v1 messages.</summary>
public static class GenerateMessageTranslation
{
    public static V1.GenerateResponse ToMessage(GenerationResponse r)
    {
        var message = new V1.GenerateResponse
        {
            RequestId = r.RequestId,
            Model = r.Model,
            Scheduler = r.Scheduler,
            Alignment = new V1.AlignmentReport { Method = r.Alignment.Method, IterationsRun = r.Alignment.IterationsRun },
            TimingsMs = new V1.Timings { Queue = r.Timings.QueueMs, Generate = r.Timings.GenerateMs, Encode = r.Timings.EncodeMs, Total = r.Timings.TotalMs },
        };
        message.Adapters.Add(r.Adapters.Select(a => new V1.AppliedAdapter { Name = a.Name, Version = a.Version, Weight = a.Weight }));
        foreach (GeneratedImage image in r.Images)
        {
            var m = new V1.Image { Png = ByteString.CopyFrom(image.Png), Seed = image.Seed };
            CopyRewards(image.Rewards, m.Rewards);
            message.Images.Add(m);
        }
        message.Alignment.Trace.Add(r.Alignment.Trace.Select(ToMessage));
        return message;
    }

    private static V1.AlignmentIteration ToMessage(AlignmentIteration step)
    {
        var m = new V1.AlignmentIteration { Iteration = step.Iteration, Loss = step.Loss };
        if (step.Seed is long seed) m.Seed = seed;
        CopyRewards(step.Rewards, m.Rewards);
        return m;
    }

    /// <summary>The stream's message for an event; errors are not events on gRPC (they end the call with a status).</summary>
    public static V1.GenerateEvent ToMessage(GenerationEvent e)
    {
        var message = new V1.GenerateEvent { RequestId = e.RequestId };
        switch (e)
        {
            case QueuedEvent q:
                message.Queued = new V1.Queued { Position = q.Position };
                break;
            case ProgressEvent p:
                message.Progress = new V1.Progress { Phase = p.Phase, Step = p.Step, Total = p.Total };
                if (p.Rewards is not null) CopyRewards(p.Rewards, message.Progress.Rewards);
                message.Progress.Candidates.Add((p.Candidates ?? []).Select(c => ToMessage(AlignmentIteration.Of(c))));
                message.Progress.Previews.Add((p.Previews ?? []).Select(ByteString.CopyFrom));
                break;
            case ResultEvent r:
                message.Result = ToMessage(r.Response);
                break;
            default:
                throw new ArgumentException($"{e.GetType().Name} has no stream message", nameof(e));
        }
        return message;
    }

    public static V1.Model ToMessage(ModelDescription d)
    {
        var message = new V1.Model
        {
            Name = d.Name,
            Ready = d.Ready,
            Device = d.Device,
            DefaultSteps = d.DefaultSteps,
            DefaultGuidance = d.DefaultGuidance,
        };
        if (d.DefaultWidth is { } w) message.DefaultWidth = w;
        if (d.DefaultHeight is { } h) message.DefaultHeight = h;
        if (d.SizeMultiple is { } m) message.SizeMultiple = m;
        if (d.DefaultScheduler is { } s) message.DefaultScheduler = s;
        message.Rewards.Add(d.Rewards);
        message.Schedulers.Add(d.Schedulers);
        return message;
    }

    private static void CopyRewards(IReadOnlyDictionary<string, double> from, MapField<string, double> to)
    {
        foreach ((string name, double score) in from) to[name] = score;
    }
}
