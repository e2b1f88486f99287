using Torch;

namespace Align.Pipelines;

/// <summary>
/// Encoded prompts for a batch: <see cref="Conditional"/> [B, T, D], the unconditional (negative) embeddings when
/// classifier-free guidance is on, and SDXL's pooled embeddings. The holder owns the tensors.
/// </summary>
public sealed record PromptEmbeddings(Tensor Conditional, Tensor? Unconditional, Tensor? Pooled, Tensor? NegativePooled) : IDisposable
{
    public void Dispose()
    {
        Conditional.Dispose();
        Unconditional?.Dispose();
        Pooled?.Dispose();
        NegativePooled?.Dispose();
    }
}
