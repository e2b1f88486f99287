using Align.Models.Diffusers;
using Align.Pipelines;
using Align.ShapeWorld;
using Torch;
using Training.Preferences;

namespace Training.Dpo;

/// <summary>
/// Preference manifests made ready for Diffusion-DPO (a manifest listed twice weighs twice): every image encoded once by the
/// VAE, however many pairs name it (the latent distribution's mean and standard deviation are kept, and a fresh latent is
/// drawn from them per use, as diffusers samples <c>latent_dist</c> each step), and every prompt encoded once by the text
/// encoder(s), plus the empty prompt for conditioning dropout.
/// Images whose size differs from the resolution are resized (shorter side) and centre-cropped, as diffusers' DPO script does;
/// they are never flipped (a flip changes what a position caption says).
/// </summary>
public sealed class PreferenceData : IDisposable
{
    private readonly StableDiffusionModel _model;
    private readonly int[] _chosen, _rejected, _prompt;
    private readonly Tensor _mean, _std, _context, _emptyContext;
    private readonly Tensor? _pooled, _emptyPooled;

    /// <param name="pairs">the manifests' pairs with absolute image paths (<see cref="PairManifest.ReadMany"/>)</param>
    public PreferenceData(StableDiffusionModel model, IReadOnlyList<PreferencePair> pairs, int? resolution = null)
    {
        _model = model;
        Pairs = pairs;
        Resolution = resolution ?? model.DefaultSize;
        if (Resolution % model.VaeScaleFactor != 0) throw new ArgumentException($"the resolution {Resolution} must be a multiple of {model.VaeScaleFactor} for this model");
        var images = new Dictionary<string, int>(StringComparer.Ordinal);
        var prompts = new Dictionary<string, int>(StringComparer.Ordinal);
        int Index(Dictionary<string, int> seen, string key) => seen.TryGetValue(key, out int i) ? i : seen[key] = seen.Count;
        _chosen = Pairs.Select(p => Index(images, p.Chosen)).ToArray();
        _rejected = Pairs.Select(p => Index(images, p.Rejected)).ToArray();
        _prompt = Pairs.Select(p => Index(prompts, p.Prompt)).ToArray();
        Images = images.Count;
        Prompts = prompts.Count;

        using var scope = torch.NewDisposeScope();
        using var noGrad = Autograd.NoGrad();
        (_mean, _std) = EncodeImages(images.Keys.ToArray());
        (_context, _pooled) = EncodePrompts(prompts.Keys.ToArray());
        (_emptyContext, _emptyPooled) = EncodePrompts([""]);
        foreach (Tensor? t in new[] { _mean, _std, _context, _pooled, _emptyContext, _emptyPooled }) t?.DetachFromDisposeScope();
    }

    public IReadOnlyList<PreferencePair> Pairs { get; }
    public int Count => Pairs.Count;
    public int Images { get; }
    public int Prompts { get; }
    public int Resolution { get; }

    /// <summary>
    /// The batch of pairs <paramref name="indices"/>: latents drawn from each image's distribution with <paramref name="generator"/>
    /// and scaled as the UNet sees them, text embeddings (the empty prompt's where <paramref name="dropPrompt"/> says), and SDXL's
    /// added conditions. Tensors on the model's device, owned by the current dispose scope.
    /// </summary>
    public (Tensor Chosen, Tensor Rejected, Tensor Context, AddedConditions? Added) Batch(IReadOnlyList<int> indices, Generator generator,
        IReadOnlyList<bool>? dropPrompt = null)
    {
        using var scope = torch.NewDisposeScope();
        Tensor chosen = DrawLatents(indices.Select(i => _chosen[i]).ToArray(), generator);
        Tensor rejected = DrawLatents(indices.Select(i => _rejected[i]).ToArray(), generator);
        bool Dropped(int k) => dropPrompt is not null && dropPrompt[k];
        Tensor Pick(Tensor all, Tensor empty) =>
            torch.Cat(indices.Select((pair, k) => Dropped(k) ? empty : all.Narrow(0, _prompt[pair], 1)).ToArray());
        Tensor context = Pick(_context, _emptyContext);
        AddedConditions? added = null;
        if (_pooled is not null)
        {
            float r = Resolution;
            Tensor timeIds = Tensor.FromArray(new[] { r, r, 0f, 0f, r, r }, 1, 6).Repeat(indices.Count, 1).To(context.Device);
            added = new AddedConditions(Pick(_pooled, _emptyPooled!).MoveToOuterScope(), timeIds.MoveToOuterScope());
        }
        return (chosen.MoveToOuterScope(), rejected.MoveToOuterScope(), context.MoveToOuterScope(), added);
    }

    private Tensor DrawLatents(int[] images, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        Tensor index = Tensor.FromArray(images.Select(i => (long)i).ToArray(), images.Length).To(_mean.Device);
        Tensor mean = _mean.IndexSelect(0, index), std = _std.IndexSelect(0, index);
        Tensor noise = torch.Randn(mean.Shape, generator).To(mean.Device); // drawn on the CPU: the same on every device
        return ToModelLatents(mean + std * noise).MoveToOuterScope();
    }

    // The inverse of the pipeline's decoding: VAE latents → what the UNet sees (scaling factor, shift, or per-channel mean/std).
    private Tensor ToModelLatents(Tensor z)
    {
        var c = _model.Vae.Config;
        if (c.LatentsMean is { } mean && c.LatentsStd is { } std)
        {
            Tensor m = Tensor.FromArray(mean.Select(v => (float)v).ToArray(), 1, mean.Length, 1, 1).To(z.Device);
            Tensor s = Tensor.FromArray(std.Select(v => (float)v).ToArray(), 1, std.Length, 1, 1).To(z.Device);
            return (z - m) * c.ScalingFactor / s;
        }
        return (c.ShiftFactor is double shift ? z - shift : z) * c.ScalingFactor;
    }

    private (Tensor Mean, Tensor Std) EncodeImages(string[] paths)
    {
        var vae = _model.Vae;
        Device device = vae.Parameters().First().Device;
        DType dtype = vae.Parameters().First().DType;
        var means = new List<Tensor>();
        var stds = new List<Tensor>();
        foreach (string[] chunk in paths.Chunk(16))
        {
            Tensor pixels = torch.Stack(chunk.Select(LoadImage).ToArray()) * 2.0 - 1.0;
            var latent = vae.Encode(pixels.To(device, dtype));
            means.Add(latent.Mean.Float());
            stds.Add(latent.Std.Float());
        }
        return (torch.Cat(means.ToArray()), torch.Cat(stds.ToArray()));
    }

    // [3, R, R] in [0, 1]
    private Tensor LoadImage(string path)
    {
        RgbImage decoded = RgbImage.FromPng(File.ReadAllBytes(path));
        (int w, int h) = (decoded.Width, decoded.Height);
        Tensor image = decoded.ToTensor();
        if (w == Resolution && h == Resolution) return image;
        double scale = (double)Resolution / Math.Min(w, h);
        long rh = Math.Max(Resolution, (long)Math.Round(h * scale)), rw = Math.Max(Resolution, (long)Math.Round(w * scale));
        Tensor resized = F.Interpolate(image.Unsqueeze(0), [rh, rw], mode: "bilinear", antialias: true).Squeeze(0);
        return resized.Narrow(1, (rh - Resolution) / 2, Resolution).Narrow(2, (rw - Resolution) / 2, Resolution).Clamp(0.0, 1.0);
    }

    private (Tensor Context, Tensor? Pooled) EncodePrompts(string[] prompts)
    {
        var contexts = new List<Tensor>();
        var pooled = new List<Tensor>();
        foreach (string prompt in prompts)
        {
            PromptEmbeddings e = _model.Prompts.Encode(prompt, null, guidance: false);
            contexts.Add(e.Conditional.Float());
            if (e.Pooled is not null) pooled.Add(e.Pooled.Float());
        }
        return (torch.Cat(contexts.ToArray()), _model.IsXL ? torch.Cat(pooled.ToArray()) : null);
    }

    public void Dispose()
    {
        foreach (Tensor? t in new[] { _mean, _std, _context, _pooled, _emptyContext, _emptyPooled }) t?.Dispose();
    }
}
