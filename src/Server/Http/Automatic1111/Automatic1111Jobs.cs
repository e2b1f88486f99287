using System.Diagnostics;
using Server.Api;
using Server.Generation;
using Server.Queue;

namespace Server.Http.Automatic1111;

/// <summary>
/// The txt2img requests in flight, for GET /sdapi/v1/progress (the progress events of the oldest one, A1111's "current
/// job") and POST /sdapi/v1/interrupt (ends the ones running on the device through the request's own cancellation).
/// </summary>
public sealed class Automatic1111Jobs
{
    private readonly List<Job> _jobs = [];

    public Job Start(WorkItem item)
    {
        var job = new Job(this, item);
        lock (_jobs) _jobs.Add(job);
        return job;
    }

    public Job? Current
    {
        get { lock (_jobs) return _jobs.FirstOrDefault(); }
    }

    /// <summary>Interrupts every job the device is running now; returns how many.</summary>
    public int Interrupt()
    {
        Job[] running;
        lock (_jobs) running = _jobs.Where(j => j.Item.StartedAt != 0 && !j.Item.IsFinished).ToArray();
        foreach (Job job in running) job.Interrupt();
        return running.Length;
    }

    private void End(Job job)
    {
        lock (_jobs) _jobs.Remove(job);
    }

    public sealed class Job(Automatic1111Jobs jobs, WorkItem item) : IDisposable
    {
        private volatile ProgressEvent? _last;
        private volatile bool _interrupted;

        public WorkItem Item => item;
        public DateTimeOffset Created { get; } = DateTimeOffset.UtcNow;
        public ProgressEvent? LastProgress => _last;
        public bool Interrupted => _interrupted;

        /// <summary>Seconds since the device took the request (0 while it waits in the queue).</summary>
        public double RunningSeconds => item.StartedAt == 0 ? 0 : Stopwatch.GetElapsedTime(item.StartedAt).TotalSeconds;

        public void Observe(GenerationEvent e)
        {
            if (e is ProgressEvent p) _last = p;
        }

        public void Interrupt()
        {
            _interrupted = true;
            item.Abort(new ServiceException(ErrorCode.Cancelled, "interrupted by POST /sdapi/v1/interrupt"));
        }

        public void Dispose() => jobs.End(this);
    }
}
