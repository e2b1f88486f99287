using System.CommandLine;
using Torch;

namespace Training;

/// <summary><c>align-train engine</c>: reports what the tensor engine can use on this machine (libtorch build, threads, devices).</summary>
internal static class EngineCommand
{
    public static Command Create()
    {
        var command = new Command("engine", "Show the tensor engine: libtorch version, threads, CUDA devices, fused attention");
        command.SetAction(result => Run(result.InvocationConfiguration.Output));
        return command;
    }

    private static void Run(TextWriter output)
    {
        output.WriteLine($"libtorch:        {torch.Version}");
        output.WriteLine($"threads:         {torch.NumThreads}");
        output.WriteLine($"cuda devices:    {torch.CudaDeviceCount}");
        output.WriteLine($"fused attention: {(torch.HasFusedAttention ? "yes" : "no (explicit matmul-softmax)")}");
    }
}
