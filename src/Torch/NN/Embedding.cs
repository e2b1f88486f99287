namespace Torch.NN;

/// <summary><c>nn.Embedding</c>: a lookup table [num, dim] initialised N(0, 1); the padding row is zero and gets no gradient.</summary>
public sealed class Embedding : Module<Tensor, Tensor>
{
    public Embedding(long numEmbeddings, long embeddingDim, long? paddingIdx = null, DType dtype = DType.Float32,
        Device? device = null, Generator? generator = null)
    {
        if (paddingIdx is { } p)
        {
            if (p < -numEmbeddings || p >= numEmbeddings) throw new ArgumentOutOfRangeException(nameof(paddingIdx), "padding_idx must be within num_embeddings");
            paddingIdx = p < 0 ? p + numEmbeddings : p;
        }
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        PaddingIdx = paddingIdx;
        Weight = RegisterParameter("weight", torch.Empty([numEmbeddings, embeddingDim], dtype, device));
        ResetParameters(generator);
    }

    public long NumEmbeddings { get; }
    public long EmbeddingDim { get; }
    public long? PaddingIdx { get; }
    public Tensor Weight { get; }

    public void ResetParameters(Generator? generator = null)
    {
        Init.Normal_(Weight, generator: generator);
        if (PaddingIdx is not { } p) return;
        using GradMode _ = Autograd.NoGrad();
        using Tensor row = Weight.Select(0, p);
        row.Zero_();
    }

    public override Tensor Forward(Tensor input) => Aten.Embedding.Call(Weight, input, PaddingIdx ?? -1);
}
