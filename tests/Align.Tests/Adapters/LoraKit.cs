using Align.Models.Diffusers;
using Align.Pipelines;
using Torch;
using Torch.NN;

namespace Align.Tests.Adapters;

/// <summary>
/// What the adapter tests share: random pairs for a model's layers, the hand-merged reference (W + scale·B·A computed here,
/// independently of the product code), and the outputs compared (the UNet on the reference inputs, the prompt embeddings).
/// </summary>
public static class LoraKit
{
    public static StableDiffusionModel Load(string model) => StableDiffusionModel.Load(Reference.Model(model));

    public static Module Component(StableDiffusionModel sd, string component) => component switch
    {
        "unet" => sd.UNet,
        "text_encoder" => sd.Text[0].Encoder,
        "text_encoder_2" => sd.Text[1].Encoder,
        _ => throw new ArgumentException(component),
    };

    /// <summary>The Linear and Conv2d layers of a component whose path equals a target or ends with "." + target (all of them when targets is null).</summary>
    public static List<(string Path, Module Layer)> Layers(StableDiffusionModel sd, string component, IEnumerable<string>? targets = null) =>
        Component(sd, component).NamedModules()
            .Where(m => m.Module is Linear or Conv2d)
            .Where(m => targets is null || targets.Any(t => m.Name == t || m.Name.EndsWith("." + t, StringComparison.Ordinal)))
            .Select(m => (m.Name, m.Module)).ToList();

    /// <summary>Random pairs (N(0, 0.1²) entries, so the adapter visibly changes the output) for the targeted layers; the tensors leave the scope.</summary>
    public static List<TestPair> RandomPairs(StableDiffusionModel sd, string component, IEnumerable<string>? targets, int rank, Generator g,
        Func<string, double>? alpha = null)
    {
        var pairs = new List<TestPair>();
        foreach ((string path, Module layer) in Layers(sd, component, targets))
        {
            long[] aShape = layer is Conv2d c ? [rank, c.InChannels, c.KernelSize.H, c.KernelSize.W] : [rank, ((Linear)layer).InFeatures];
            long[] bShape = layer is Conv2d c2 ? [c2.OutChannels, rank, 1, 1] : [((Linear)layer).OutFeatures, rank];
            Tensor a = (torch.Randn(aShape, g) * 0.1).DetachFromDisposeScope();
            Tensor b = (torch.Randn(bShape, g) * 0.1).DetachFromDisposeScope();
            pairs.Add(new TestPair(component, path, a, b, alpha?.Invoke(path) ?? rank));
        }
        Assert.NotEmpty(pairs);
        return pairs;
    }

    /// <summary>W += weight · alpha/r · B·A for every pair, with the conv pair flattened to matrices and reshaped back.</summary>
    public static void MergeByHand(StableDiffusionModel sd, IEnumerable<TestPair> pairs, double weight)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = Autograd.NoGrad();
        foreach (TestPair p in pairs)
        {
            Module layer = Component(sd, p.Component).NamedModules().Single(m => m.Name == p.Path).Module;
            Tensor w = layer is Linear l ? l.Weight : ((Conv2d)layer).Weight;
            Tensor delta = p.B.Reshape(p.B.Size(0), p.Rank).Mm(p.A.Reshape(p.Rank, -1)).Reshape(w.Shape);
            w.Add_(delta * (p.Scale * weight));
        }
    }

    /// <summary>The UNet's prediction on the reference inputs of <c>ref/refs/MODEL.unet.safetensors</c>.</summary>
    public static Tensor UNetOutput(StableDiffusionModel sd, string model)
    {
        using var noGrad = Autograd.NoGrad();
        using SafetensorsFile refs = Reference.Open($"{model}.unet.safetensors");
        AddedConditions? added = refs.Contains("in.text_embeds") ? new AddedConditions(refs.Load("in.text_embeds"), refs.Load("in.time_ids")) : null;
        return sd.UNet.Forward(refs.Load("in.sample"), refs.Load("in.timestep"), refs.Load("in.encoder_hidden_states"), added);
    }

    /// <summary>The prompt embeddings (and SDXL's pooled embedding) of a fixed prompt, as one tensor.</summary>
    public static Tensor TextOutput(StableDiffusionModel sd)
    {
        using PromptEmbeddings e = sd.Prompts.Encode("two red circles above a blue square", null, guidance: false);
        return e.Pooled is null ? e.Conditional.Flatten() : torch.Cat([e.Conditional.Flatten(), e.Pooled.Flatten()]);
    }

    public static void AssertClose(Tensor expected, Tensor actual, string what) => Reference.AssertClose(expected, actual, what, rtol: 1e-4, atol: 1e-5);

    /// <summary>The adapter must change the output, or comparing with the hand-merged model would prove nothing.</summary>
    public static void AssertChanged(Tensor baseline, Tensor adapted, string what)
    {
        double difference = (adapted - baseline).Abs().Max().ToDouble();
        Assert.True(difference > 1e-3, $"{what}: the adapter changed the output by only {difference:G3}");
    }

    public static void AssertIdentical(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.True(expected.ToArray<float>().AsSpan().SequenceEqual(actual.ToArray<float>()), $"{what}: not bit-identical");
    }

    public static TempDirectory TempDir(string name) => new("lora-" + name);

    public static void Dispose(IEnumerable<TestPair> pairs)
    {
        foreach (TestPair p in pairs)
        {
            p.A.Dispose();
            p.B.Dispose();
        }
    }
}
