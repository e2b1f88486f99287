using Align.Adapters;
using Align.Models;
using Align.Models.Clip;
using Align.Models.Diffusers;
using Align.Models.Vae;
using Align.Text;
using Torch;

namespace Align.Pipelines;

/// <summary>
/// A Stable Diffusion family model loaded from a diffusers directory (SD 1.x, 2.x, SDXL, and their turbo variants):
/// tokenizers, text encoders, UNet, VAE and the scheduler config. Owns the modules.
/// </summary>
public sealed class StableDiffusionModel : IDisposable
{
    private StableDiffusionModel(string directory, ModelIndex index, IReadOnlyList<(ClipTokenizer, ClipTextModel)> text,
        UNet2DConditionModel unet, AutoencoderKL vae)
    {
        Directory = directory;
        Index = index;
        Text = text;
        UNet = unet;
        Vae = vae;
        Prompts = new PromptEncoder(text, index.IsXL, index.ForceZerosForEmptyPrompt);
        var components = new Dictionary<string, Torch.NN.Module> { [AdapterKeys.UNet] = unet };
        for (int i = 0; i < text.Count; i++) components[i == 0 ? AdapterKeys.TextEncoder : $"{AdapterKeys.TextEncoder}_{i + 1}"] = text[i].Item2;
        Adapters = new ModelAdapters(components, unet.Config);
    }

    public string Directory { get; }
    public ModelIndex Index { get; }
    public IReadOnlyList<(ClipTokenizer Tokenizer, ClipTextModel Encoder)> Text { get; }
    public UNet2DConditionModel UNet { get; }
    public AutoencoderKL Vae { get; }
    public PromptEncoder Prompts { get; }

    /// <summary>LoRA adapters on this model: load, create, activate for a run, fuse (see <see cref="ModelAdapters"/>).</summary>
    public ModelAdapters Adapters { get; }
    public bool IsXL => Index.IsXL;
    public string SchedulerConfigPath => Path.Combine(Directory, "scheduler", "scheduler_config.json");

    /// <summary>Pixels per latent along each side (from the VAE config: 8 for real models).</summary>
    public int VaeScaleFactor => Vae.Config.ScaleFactor;

    /// <summary>The model's native resolution: UNet sample size × VAE scale factor.</summary>
    public int DefaultSize => (UNet.Config.SampleSize ?? 64) * VaeScaleFactor;

    /// <summary>
    /// Loads every component; a missing component or file, a config value not supported, or weights that do not fit, fail
    /// with one clear error. Weights of any stored precision are read into float32 on CPU; on a GPU the modules are moved
    /// there and kept in <paramref name="dtype"/> (default float16).
    /// </summary>
    public static StableDiffusionModel Load(string directory, Device? device = null, DType? dtype = null)
    {
        ModelIndex index = ModelIndex.Load(directory);
        string[] textNames = index.IsXL ? ["text_encoder", "text_encoder_2"] : ["text_encoder"];
        string[] required = [.. textNames, .. textNames.Select(t => t.Replace("text_encoder", "tokenizer")), "unet", "vae", "scheduler"];
        string[] missing = required.Where(c => !System.IO.Directory.Exists(Path.Combine(directory, c))).ToArray();
        if (missing.Length > 0) throw new ModelLoadException($"{directory}: missing component directories: {string.Join(", ", missing)}");

        var loaded = new List<IDisposable>();
        try
        {
            var text = new List<(ClipTokenizer, ClipTextModel)>();
            foreach (string name in textNames)
            {
                var tokenizer = ClipTokenizer.FromDirectory(Path.Combine(directory, name.Replace("text_encoder", "tokenizer")));
                var encoder = ClipTextModel.FromPretrained(Path.Combine(directory, name));
                loaded.Add(encoder);
                text.Add((tokenizer, encoder));
            }
            var unet = UNet2DConditionModel.FromPretrained(Path.Combine(directory, "unet"));
            loaded.Add(unet);
            var vae = AutoencoderKL.FromPretrained(Path.Combine(directory, "vae"));
            loaded.Add(vae);
            Device target = device ?? Device.CPU;
            DType precision = dtype ?? (target.IsCuda ? DType.Float16 : DType.Float32);
            foreach (Torch.NN.Module m in loaded.OfType<Torch.NN.Module>())
            {
                if (target != Device.CPU) m.To(target);
                if (precision != DType.Float32) m.To(precision);
            }
            return new StableDiffusionModel(directory, index, text, unet, vae);
        }
        catch (InvalidDataException e)
        {
            foreach (IDisposable d in loaded) d.Dispose();
            throw new ModelLoadException(e.Message);
        }
        catch
        {
            foreach (IDisposable d in loaded) d.Dispose();
            throw;
        }
    }

    /// <summary>Marks every weight as not needing gradients (serving, ReNO and Attend-and-Excite differentiate only latents).</summary>
    public StableDiffusionModel Freeze()
    {
        foreach ((_, ClipTextModel encoder) in Text) encoder.RequiresGrad_(false);
        UNet.RequiresGrad_(false);
        Vae.RequiresGrad_(false);
        return this;
    }

    public void Dispose()
    {
        foreach ((_, ClipTextModel encoder) in Text) encoder.Dispose();
        UNet.Dispose();
        Vae.Dispose();
    }
}
