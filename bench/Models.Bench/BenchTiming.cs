using System.Diagnostics;
using Torch;

internal static class BenchTiming
{
    /// <summary>Mean seconds of <paramref name="runs"/> timed runs after one warm-up run (synchronised on CUDA).</summary>
    public static double Seconds(Device device, int runs, Action run)
    {
        using (torch.NewDisposeScope()) run();
        if (device.IsCuda) torch.CudaSynchronize();
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < runs; i++)
            using (torch.NewDisposeScope()) run();
        if (device.IsCuda) torch.CudaSynchronize();
        return watch.Elapsed.TotalSeconds / runs;
    }
}
