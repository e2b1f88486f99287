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
    public PromptEmbeddings Encode(string prompt, string? negative, bool guidance, int? clipSkip = null)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = Autograd.NoGrad();
        (Tensor cond, Tensor? pooled) = EncodeOne(prompt, clipSkip);
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
                (uncond, negPooled) = EncodeOne(negative ?? "", null);
        }
        foreach (Tensor? t in new[] { cond, uncond, pooled, negPooled }) t?.MoveToOuterScope();
        return new PromptEmbeddings(cond, uncond, pooled, negPooled);
    }

    private (Tensor Embeddings, Tensor? Pooled) EncodeOne(string text, int? clipSkip)
    {
        var parts = new List<Tensor>();
        Tensor? pooled = null;
        foreach ((ClipTokenizer tokenizer, ClipTextModel encoder) in encoders)
        {
            long[] ids = tokenizer.EncodeBatch([text]).InputIds[0];
            ClipTextOutput output = encoder.Forward(Tensor.FromArray(ids, 1, ids.Length).To(encoder.Parameters().First().Device));
            if (isXL)
            {
                parts.Add(output.HiddenStates[^(2 + (clipSkip ?? 0))]);
                pooled = output.TextEmbeds ?? output.LastHiddenState;
            }
            else if (clipSkip is int skip)
                parts.Add(encoder.text_model.final_layer_norm.Forward(output.HiddenStates[^(skip + 1)]));
            else
                parts.Add(output.LastHiddenState);
        }
        return (parts.Count == 1 ? parts[0] : torch.Cat(parts.ToArray(), -1), pooled);
    }
}
