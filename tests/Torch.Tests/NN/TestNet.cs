using Torch;
using Torch.NN;

namespace Torch.Tests.NN;

// The C# twin of Block/Net in Fixtures/gen_nn.py, written the way ported diffusers code is.

internal sealed class Block : Module<Tensor, Tensor>
{
    public readonly GroupNorm norm;
    public readonly SiLU act;
    public readonly Conv2d conv;

    public Block(long ch, long dilation)
    {
        norm = RegisterModule("norm", new GroupNorm(2, ch));
        act = RegisterModule("act", new SiLU());
        conv = RegisterModule("conv", new Conv2d(ch, ch, 3, padding: dilation, dilation: dilation, groups: 2));
    }

    public override Tensor Forward(Tensor x)
    {
        using Tensor h = norm.Forward(x);
        using Tensor a = act.Forward(h);
        using Tensor c = conv.Forward(a);
        return x + c;
    }
}

internal sealed class Net : Module<Tensor, Tensor, Tensor>
{
    public readonly Conv2d conv_in;
    public readonly ModuleList<Block> blocks;
    public readonly Conv2d down;
    public readonly Embedding emb;
    public readonly LayerNorm norm;
    public readonly Sequential mlp;
    public readonly Linear @out;
    public readonly Tensor scale;
    public readonly Tensor cache;

    public Net()
    {
        conv_in = RegisterModule("conv_in", new Conv2d(3, 4, 3, padding: 1));
        blocks = RegisterModule("blocks", new ModuleList<Block>(new Block(4, 1), new Block(4, 2)));
        down = RegisterModule("down", new Conv2d(4, 8, (3, 2), stride: 2, padding: (1, 0), bias: false));
        emb = RegisterModule("emb", new Embedding(6, 8));
        norm = RegisterModule("norm", new LayerNorm(8));
        mlp = RegisterModule("mlp", new Sequential(new Linear(8, 16), new GELU(), new Dropout(0.25), new Linear(16, 8)));
        @out = RegisterModule("out", new Linear(8, 3));
        scale = RegisterBuffer("scale", Tensor.FromArray(new float[] { 1, 2, 0.5f }));
        cache = RegisterBuffer("cache", torch.Zeros([2]), persistent: false);
    }

    public override Tensor Forward(Tensor input, Tensor ids)
    {
        Tensor x = conv_in.Forward(input);
        foreach (Block block in blocks)
        {
            Tensor next = block.Forward(x);
            x.Dispose();
            x = next;
        }
        using Tensor h = down.Forward(x);
        x.Dispose();
        using Tensor flat = h.Flatten(2);
        using Tensor tokens0 = flat.Transpose(1, 2);
        using Tensor e = emb.Forward(ids);
        using Tensor tokens1 = tokens0 + e;
        using Tensor n = norm.Forward(tokens1);
        using Tensor m = mlp.Forward(n);
        using Tensor tokens2 = tokens1 + m;
        using Tensor o = @out.Forward(tokens2);
        return o * scale;
    }
}
