using System.Diagnostics;
using Align.Pipelines;
using Align.ShapeWorld;
using Torch;

/// <summary>
/// Checks on a CUDA device (bench/models.sh --gpu-check): the reference UNet's forward and its input gradient on the GPU
/// against the same on CPU, then the embedded ShapeWorld model generating on the GPU (float32 and float16), verified
/// and timed against the CPU.
/// </summary>
internal static class GpuCheck
{
    public static int Run(string refRoot, string shapeWorld, Device device)
    {
        Console.WriteLine($"GPU check: libtorch {torch.Version}, {torch.CudaDeviceCount} CUDA devices, fused attention: {torch.HasFusedAttention}");
        int failures = 0;
        failures += UNetParity(Path.Combine(refRoot, "models", "tiny-sd15"), device);
        failures += ShapeWorldGeneration(shapeWorld, device);
        failures += Sd15UNetTiming(device);
        Console.WriteLine(failures == 0 ? "GPU check passed" : $"GPU check FAILED ({failures} problems)");
        return failures == 0 ? 0 : 1;
    }

    private static int UNetParity(string dir, Device device)
    {
        (float[] outCpu, float[] gradCpu) = ForwardBackward(dir, Device.CPU);
        (float[] outGpu, float[] gradGpu) = ForwardBackward(dir, device);
        // Relative to the largest magnitude: libtorch 2.x runs cuDNN convolutions in TF32 by default (10-bit mantissa).
        double outDiff = MaxAbsDiff(outCpu, outGpu) / outCpu.Max(Math.Abs), gradDiff = MaxAbsDiff(gradCpu, gradGpu) / gradCpu.Max(Math.Abs);
        bool ok = outDiff < 5e-3 && gradDiff < 5e-3;
        Console.WriteLine($"tiny-sd15 UNet fp32 {device} vs CPU: max |Δ| / max |x| output {outDiff:E2}, input gradient {gradDiff:E2} → {(ok ? "ok" : "MISMATCH")}");
        return ok ? 0 : 1;
    }

    private static (float[] Output, float[] Grad) ForwardBackward(string dir, Device device)
    {
        using var scope = torch.NewDisposeScope();
        using StableDiffusionModel sd = StableDiffusionModel.Load(dir, device, DType.Float32);
        using var g = new Generator(7);
        int cross = sd.UNet.Config.CrossAttentionDimPerBlock[0];
        Tensor x = torch.Randn([2, sd.UNet.Config.InChannels, 16, 16], g).To(device).RequiresGrad_();
        Tensor context = torch.Randn([2, 77, cross], g).To(device);
        Tensor output = sd.UNet.Forward(x, torch.Scalar(500, device: device), context);
        output.Square().Sum().Backward();
        return (output.To(Device.CPU).ToArray<float>(), x.Grad!.To(Device.CPU).ToArray<float>());
    }

    private static int ShapeWorldGeneration(string dir, Device device)
    {
        string[] prompts = ["a red circle", "a blue square", "a green triangle", "a yellow circle"];
        long[] seeds = Enumerable.Range(0, 8).Select(i => (long)i).ToArray();
        int failures = 0;
        byte[]? cpuFirst = null;
        foreach ((Device d, DType dtype) in new[] { (Device.CPU, DType.Float32), (device, DType.Float32), (device, DType.Float16) })
        {
            try
            {
                using StableDiffusionModel sd = StableDiffusionModel.Load(dir, d, dtype);
                var pipeline = new TextToImagePipeline(sd);
                Generate(pipeline, prompts[0], seeds, d); // warm-up
                int passed = 0, total = 0;
                var watch = Stopwatch.StartNew();
                byte[]? first = null;
                foreach (string prompt in prompts)
                {
                    using var scope = torch.NewDisposeScope();
                    Tensor images = Generate(pipeline, prompt, seeds, d);
                    for (int i = 0; i < seeds.Length; i++)
                    {
                        Tensor image = images[i];
                        first ??= Align.Imaging.ImageConversion.ToBytes(image).Pixels;
                        if (Verifier.Verify(CaptionParser.Parse(prompt), image).Passed) passed++;
                        total++;
                    }
                }
                double seconds = watch.Elapsed.TotalSeconds;
                string parity = "";
                if (d == Device.CPU) cpuFirst = first;
                else if (cpuFirst is not null && first is not null)
                    parity = $", first image max |Δ| vs CPU {cpuFirst.Zip(first, (a, b) => Math.Abs(a - b)).Max()}/255";
                Console.WriteLine($"shapeworld {d} {dtype}: {total / seconds:F1} images/s (batch {seeds.Length}, 20 steps), verifier passed {passed}/{total}{parity}");
            }
            catch (Exception e)
            {
                failures++;
                Console.WriteLine($"shapeworld {d} {dtype}: FAILED: {e.GetType().Name}: {e.Message}");
            }
        }
        return failures;
    }

    // One denoising step of SD 1.5 at 512² with classifier-free guidance: the UNet on [2, 4, 64, 64], random weights.
    private static int Sd15UNetTiming(Device device)
    {
        try
        {
            string config = Path.Combine(AppContext.BaseDirectory, "configs", "sd15", "unet.json");
            using var unet = new Align.Models.Diffusers.UNet2DConditionModel(Align.Models.Diffusers.UNet2DConditionConfig.Load(config));
            unet.Eval();
            unet.To(device);
            unet.To(DType.Float16);
            using var noGrad = Autograd.NoGrad();
            using var scope = torch.NewDisposeScope();
            Tensor x = torch.Randn([2, 4, 64, 64], dtype: DType.Float16, device: device);
            Tensor context = torch.Randn([2, 77, 768], dtype: DType.Float16, device: device);
            Tensor t = torch.Scalar(500, device: device);
            for (int i = 0; i < 3; i++) using (torch.NewDisposeScope()) unet.Forward(x, t, context);
            torch.CudaSynchronize();
            const int runs = 20;
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < runs; i++) using (torch.NewDisposeScope()) unet.Forward(x, t, context);
            torch.CudaSynchronize();
            Console.WriteLine($"sd15-config UNet fp16 {device}, [2, 4, 64, 64]: {watch.Elapsed.TotalMilliseconds / runs:F1} ms per forward (mean of {runs})");
            return 0;
        }
        catch (Exception e)
        {
            Console.WriteLine($"sd15-config UNet fp16 {device}: FAILED: {e.GetType().Name}: {e.Message}");
            return 1;
        }
    }

    private static Tensor Generate(TextToImagePipeline pipeline, string prompt, long[] seeds, Device device)
    {
        using GenerationResult result = pipeline.Generate(new TextToImageRequest(prompt, seeds, 64, 64, 20, 5.0));
        Tensor images = result.Images.To(Device.CPU, DType.Float32, copy: true);
        if (device.IsCuda) torch.CudaSynchronize();
        return images;
    }

    private static double MaxAbsDiff(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
}
