namespace Torch.Bench;

/// <summary>
/// How much CPU other processes took while the benchmark ran: the machine's busy time (/proc/stat) minus
/// ours and the PyTorch process's (/proc/PID/stat), as a share of all cores. Competing processes are the
/// main source of noise on small shared machines, so the report states it.
/// </summary>
internal sealed class MachineLoad
{
    private readonly long _busy0, _steal0;
    private readonly long[] _pids;
    private readonly long[] _own0;
    private readonly DateTime _start = DateTime.UtcNow;

    public MachineLoad(params int[] pids)
    {
        _pids = pids.Select(p => (long)p).ToArray();
        (_busy0, _steal0) = Machine();
        _own0 = _pids.Select(Own).ToArray();
    }

    /// <summary>Share of the machine's CPU time (0-1) used by other processes, and stolen by the hypervisor, since construction.</summary>
    public (double Others, double Steal) Measure()
    {
        var (busy, steal) = Machine();
        long own = _pids.Select((p, i) => Own(p) - _own0[i]).Sum();
        double capacity = (DateTime.UtcNow - _start).TotalSeconds * 100 * Environment.ProcessorCount;
        return (Math.Max(0, busy - _busy0 - own) / capacity, (steal - _steal0) / capacity);
    }

    // Both files count in USER_HZ ticks (100 per second on Linux).
    private static (long Busy, long Steal) Machine()
    {
        long[] f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        // user nice system idle iowait irq softirq steal ...
        return (f[0] + f[1] + f[2] + f[5] + f[6], f[7]);
    }

    private static long Own(long pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name, which is in parentheses and may hold spaces: utime is the 12th, stime the 13th.
        string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(f[11]) + long.Parse(f[12]);
    }
}
