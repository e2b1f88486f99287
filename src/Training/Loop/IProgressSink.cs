using Spectre.Console;

namespace Training.Loop;

/// <summary>Where training progress goes: a live progress bar on a terminal, periodic plain lines otherwise (CI logs).</summary>
public interface IProgressSink
{
    void Step(string stage, int step, int total, IReadOnlyDictionary<string, double> metrics);
    void Message(string text);
}

/// <summary>Plain lines every <paramref name="every"/> steps (and the last one).</summary>
public sealed class LineProgress(TextWriter output, int every = 50) : IProgressSink
{
    public void Step(string stage, int step, int total, IReadOnlyDictionary<string, double> metrics)
    {
        if (step % every != 0 && step != total) return;
        output.WriteLine($"{stage} {step}/{total} " + string.Join(" ", metrics.Select(kv => $"{kv.Key}={kv.Value:G4}")));
    }

    public void Message(string text) => output.WriteLine(text);
}

/// <summary>A Spectre.Console progress bar with the latest metrics in its description.</summary>
public sealed class ConsoleProgress : IProgressSink
{
    private ProgressTask? _task;
    private ProgressContext? _context;

    /// <summary>Runs <paramref name="work"/> with a live progress display (or plain lines where the console is not interactive).</summary>
    public static void Run(Action<IProgressSink> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            work(new LineProgress(Console.Out));
            return;
        }
        AnsiConsole.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
            new RemainingTimeColumn()).Start(ctx => work(new ConsoleProgress { _context = ctx }));
    }

    public void Step(string stage, int step, int total, IReadOnlyDictionary<string, double> metrics)
    {
        if (_task is null || _task.Description.Split(' ')[0] != stage) _task = _context!.AddTask(stage, maxValue: total);
        _task.Value = step;
        _task.Description = $"{stage} {string.Join(" ", metrics.Take(2).Select(kv => $"{kv.Key}={kv.Value:G3}"))}";
    }

    public void Message(string text) => AnsiConsole.MarkupLine(Markup.Escape(text));
}
