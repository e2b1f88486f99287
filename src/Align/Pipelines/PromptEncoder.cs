using Align.Models.Clip;
using Align.Text;
using Torch;

namespace Align.Pipelines;

/// <summary>
/// diffusers' <c>encode_prompt</c> for SD 1.x/2.x (one text encoder, last hidden state or the <c>clip_skip</c>-th from last
/// with the final layer norm) and SDXL (both encoders' penultimate states concatenated, pooled from the second).
/// </summary>
public sealed class PromptEncoder(IReadOnlyList<(ClipTokenizer Tokenizer, ClipTextModel Encoder)> encoders, bool isXL, bool forceZerosForEmptyPrompt)
{
    /// <summary>Encodes one prompt (and its negative, when <paramref name="guidance"/> is on) to [1, T, D] embeddings.</summary>
    /// <param name="negative">null: the empty prompt (or zeros, for SDXL models that ask for it)</param>
    public PromptEmbeddings Encode(string prompt, string? negative, bool guidance, int? clipSkip = null) =>
        Encode(prompt, null, negative, null, guidance, clipSkip);

    /// <summary>
    /// Like <see cref="Encode(string, string?, bool, int?)"/>, reading <see cref="PromptWeights"/> syntax in both prompts: each
    /// token's hidden state is multiplied by its weight and the whole embedding rescaled to its original mean
    /// (AUTOMATIC1111's method). A prompt whose weights are all 1 encodes exactly as its plain text.
    /// </summary>
    /// <param name="differentiable">encode in the caller's grad mode (gradients reach the text encoders and their
    /// adapters: DRaFT with text-encoder targets) rather than without grad</param>
    /// <exception cref="ArgumentException">bad weighting syntax</exception>
    public PromptEmbeddings EncodeWeighted(string prompt, string? negative, bool guidance, int? clipSkip = null, bool differentiable = false)
    {
        WeightedPrompt p = PromptWeights.Parse(prompt);
        WeightedPrompt? n = negative is null ? null : PromptWeights.Parse(negative);
        return Encode(p.Text, p.IsPlain ? null : p, n?.Text, n is null || n.IsPlain ? null : n, guidance, clipSkip, differentiable);
    }

    /// <summary>
    /// Encodes one prompt to [1, T, D] embeddings (and SDXL's pooled embedding) under the caller's grad mode, so gradients
    /// reach the text encoders and the adapters applied to them: for training. No negative, no weighting syntax.
    /// </summary>
    public PromptEmbeddings EncodeForTraining(string prompt)
    {
        using var scope = torch.NewDisposeScope();
        (Tensor cond, Tensor? pooled) = EncodeOne(prompt, null, null);
        cond.MoveToOuterScope();
        pooled?.MoveToOuterScope();
        return new PromptEmbeddings(cond, null, pooled, null);
    }

    private PromptEmbeddings Encode(string prompt, WeightedPrompt? promptWeights, string? negative, WeightedPrompt? negativeWeights,
        bool guidance, int? clipSkip, bool differentiable = false)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = differentiable ? null : Autograd.NoGrad();
        (Tensor cond, Tensor? pooled) = EncodeOne(prompt, promptWeights, clipSkip);
        Tensor? uncond = null, negPooled = null;
        if (guidance)
        {
            if (isXL && negative is null && forceZerosForEmptyPrompt)
            {
                uncond = torch.ZerosLike(cond);
                negPooled = torch.ZerosLike(pooled!);
            }
            else
                // diffusers applies clip_skip to the prompt only, never to the negative prompt.
                (uncond, negPooled) = EncodeOne(negative ?? "", negativeWeights, null);
        }
        foreach (Tensor? t in new[] { cond, uncond, pooled, negPooled }) t?.MoveToOuterScope();
        return new PromptEmbeddings(cond, uncond, pooled, negPooled);
    }

    // weights: null for plain text (tokenized whole, as diffusers does)
    private (Tensor Embeddings, Tensor? Pooled) EncodeOne(string text, WeightedPrompt? weights, int? clipSkip)
    {
        var parts = new List<Tensor>();
        Tensor? pooled = null;
        foreach ((ClipTokenizer tokenizer, ClipTextModel encoder) in encoders)
        {
            (long[] ids, float[]? multipliers) = weights is null ? (tokenizer.EncodeBatch([text]).InputIds[0], null) : Tokenize(tokenizer, weights);
            Device device = encoder.Parameters().First().Device;
            ClipTextOutput output = encoder.Forward(Tensor.FromArray(ids, 1, ids.Length).To(device));
            Tensor hidden;
            if (isXL)
            {
                hidden = output.HiddenStates[^(2 + (clipSkip ?? 0))];
                pooled = output.TextEmbeds ?? output.LastHiddenState;
            }
            else if (clipSkip is int skip)
                hidden = encoder.text_model.final_layer_norm.Forward(output.HiddenStates[^(skip + 1)]);
            else
                hidden = output.LastHiddenState;
            parts.Add(multipliers is null ? hidden : Weigh(hidden, Tensor.FromArray(multipliers, 1, multipliers.Length, 1).To(device, hidden.DType)));
        }
        return (parts.Count == 1 ? parts[0] : torch.Cat(parts.ToArray(), -1), pooled);
    }

    // AUTOMATIC1111's prompt emphasis: scale each token's hidden state, then restore the mean of the whole embedding.
    private static Tensor Weigh(Tensor hidden, Tensor multipliers)
    {
        using var scope = torch.NewDisposeScope();
        Tensor originalMean = hidden.Float().Mean();
        Tensor weighted = hidden * multipliers;
        return (weighted * (originalMean / weighted.Float().Mean()).To(hidden.DType)).MoveToOuterScope();
    }

    // Ids padded to the model length with each token's weight (1 for start, end and padding): every segment is tokenized on its
    // own, so its weight lands on exactly its tokens; the text is cut to fit, as the plain path cuts it.
    private static (long[] Ids, float[] Multipliers) Tokenize(ClipTokenizer tokenizer, WeightedPrompt prompt)
    {
        int max = tokenizer.ModelMaxLength;
        var ids = new List<long> { tokenizer.BosId };
        var multipliers = new List<float> { 1f };
        foreach (PromptSegment segment in prompt.Segments)
        {
            long[] encoded = tokenizer.Encode(segment.Text);
            ids.AddRange(encoded[1..^1]);
            multipliers.AddRange(Enumerable.Repeat((float)segment.Weight, encoded.Length - 2));
        }
        if (ids.Count > max - 1)
        {
            ids.RemoveRange(max - 1, ids.Count - (max - 1));
            multipliers.RemoveRange(max - 1, multipliers.Count - (max - 1));
        }
        ids.Add(tokenizer.EosId);
        multipliers.Add(1f);
        while (ids.Count < max)
        {
            ids.Add(tokenizer.PadId);
            multipliers.Add(1f);
        }
        return (ids.ToArray(), multipliers.ToArray());
    }
}
