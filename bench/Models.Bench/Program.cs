using System.Diagnostics;
using System.Text.Json;
using Align.Models.Clip;
using Align.Models.Diffusers;
using Align.Models.Vae;
using Align.Pipelines;
using Torch;
using Torch.NN;

// Times one forward of each component, after one warm-up forward, for the tiny reference models (../shared/ref)
// and for randomly initialised models with the real SD 1.5 configs (UNet at 64×64 latents = 512×512 images).
// Usage: bench/models.sh [--threads N] [--skip-sd15] [--json PATH]
//        bench/models.sh --gpu-check [--device cuda:0] [--ref DIR]   (CUDA parity and ShapeWorld generation; see GpuCheck)
//        bench/models.sh --alignment [--device cpu|cuda:0] [--steps 20]   (ReNO, A&E and best-of-n costs; see AlignmentBench)
//        bench/models.sh --adapters [--device cpu|cuda:0] [--steps 20]    (LoRA unfused, several, fused; see AdapterBench)
//        bench/models.sh --samplers [--device cpu|cuda:0]                 (request samplers: error vs a converged run, time; see SamplerBench)

int threads = Environment.ProcessorCount;
bool skipSd15 = false;
string json = "artifacts/bench/models.json";
bool gpuCheck = false, alignment = false, adapters = false, samplers = false;
int steps = 20;
Device device = Device.CUDA(0);
string? refOption = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--threads": threads = int.Parse(args[++i]); break;
        case "--skip-sd15": skipSd15 = true; break;
        case "--json": json = args[++i]; break;
        case "--gpu-check": gpuCheck = true; break;
        case "--alignment": alignment = true; device = Device.CPU; break;
        case "--adapters": adapters = true; device = Device.CPU; break;
        case "--samplers": samplers = true; device = Device.CPU; break;
        case "--steps": steps = int.Parse(args[++i]); break;
        case "--device": device = Device.Parse(args[++i]); break;
        case "--ref": refOption = args[++i]; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}
torch.NumThreads = threads;
if (adapters) return AdapterBench.Run(Path.Combine(RepositoryRoot(), "models", "shapeworld"), device, steps);
if (alignment) return AlignmentBench.Run(Path.Combine(RepositoryRoot(), "models", "shapeworld"), device, steps);
if (samplers) return SamplerBench.Run(Path.Combine(RepositoryRoot(), "models", "shapeworld"), device);
string refRoot = refOption ?? Path.Combine(RepositoryRoot(), "..", "shared", "ref");
if (!Directory.Exists(refRoot)) throw new DirectoryNotFoundException($"reference models not found at {Path.GetFullPath(refRoot)} (--ref DIR)");
if (gpuCheck) return GpuCheck.Run(refRoot, Path.Combine(RepositoryRoot(), "models", "shapeworld", "model"), device);
var rows = new List<Row>();
Console.WriteLine($"Model benchmark: libtorch {torch.Version}, {threads} threads, CPU; one timed forward after one warm-up forward");
Console.WriteLine($"{"model",-22} {"component",-14} {"input",-22} {"ms",10}   params");

foreach (string name in new[] { "tiny-sd15", "tiny-sd21-v", "tiny-sdxl" })
{
    using StableDiffusionModel sd = StableDiffusionModel.Load(Path.Combine(refRoot, "models", name));
    int f = sd.VaeScaleFactor;
    (_, ClipTextModel te) = sd.Text[0];
    Measure(name, "text_encoder", "[1, 77] ids", te, () => te.Forward(torch.Zeros([1, 77], DType.Int64)).LastHiddenState);
    int cross = sd.UNet.Config.CrossAttentionDimPerBlock[0];
    AddedConditions? added = sd.IsXL ? new AddedConditions(torch.Zeros([1, sd.UNet.Config.ProjectionClassEmbeddingsInputDim!.Value - 6 * sd.UNet.Config.AdditionTimeEmbedDim!.Value]), torch.Zeros([1, 6])) : null;
    Measure(name, "unet", "[1, 4, 64, 64]", sd.UNet, () => sd.UNet.Forward(torch.Randn([1, 4, 64, 64]), torch.Scalar(500), torch.Randn([1, 77, cross]), added));
    Measure(name, "vae decode", $"[1, 4, 64, 64] → {64 * f}²", sd.Vae, () => sd.Vae.Decode(torch.Randn([1, 4, 64, 64])));
}

if (!skipSd15)
{
    string configs = Path.Combine(AppContext.BaseDirectory, "configs", "sd15");
    using (var te = new ClipTextModel(ClipTextConfig.Load(Path.Combine(configs, "text_encoder.json"))).Eval())
        Measure("sd15-config (random)", "text_encoder", "[1, 77] ids", te, () => ((ClipTextModel)te).Forward(torch.Zeros([1, 77], DType.Int64)).LastHiddenState);
    using (var unet = new UNet2DConditionModel(UNet2DConditionConfig.Load(Path.Combine(configs, "unet.json"))))
    {
        unet.Eval();
        Measure("sd15-config (random)", "unet", "[1, 4, 64, 64]", unet, () => unet.Forward(torch.Randn([1, 4, 64, 64]), torch.Scalar(500), torch.Randn([1, 77, 768])));
    }
    using (var vae = new AutoencoderKL(AutoencoderKLConfig.Load(Path.Combine(configs, "vae.json"))))
    {
        vae.Eval();
        Measure("sd15-config (random)", "vae decode", "[1, 4, 64, 64] → 512²", vae, () => vae.Decode(torch.Randn([1, 4, 64, 64])));
    }
}

double peakMiB = PeakRssMiB();
Console.WriteLine($"peak RSS: {peakMiB:F0} MiB");
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(json))!);
File.WriteAllText(json, JsonSerializer.Serialize(new { threads, libtorch = torch.Version, peak_rss_mib = peakMiB, rows }, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"figures written to {json}");
return 0;

void Measure(string model, string component, string input, Module module, Func<Tensor> forward)
{
    using var noGrad = Autograd.NoGrad();
    long parameters = module.Parameters().Sum(p => p.NumEl);
    using (torch.NewDisposeScope()) forward();
    var watch = Stopwatch.StartNew();
    using (torch.NewDisposeScope()) forward();
    double ms = watch.Elapsed.TotalMilliseconds;
    rows.Add(new Row(model, component, input, ms, parameters));
    Console.WriteLine($"{model,-22} {component,-14} {input,-22} {ms,10:F1}   {parameters / 1e6:F1}M");
}

static double PeakRssMiB()
{
    string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
}

static string RepositoryRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Server.sln"))) dir = dir.Parent;
    return dir?.FullName ?? throw new DirectoryNotFoundException($"no Server.sln above {AppContext.BaseDirectory}");
}

internal sealed record Row(string Model, string Component, string Input, double Ms, long Parameters);
