namespace Torch.Bench;

/// <summary>Our side of the cases; each has a twin of the same name in bench/torch_bench.py.</summary>
internal static class Cases
{
    public static List<BenchCase> Create()
    {
        // Inputs are made outside any DisposeScope and live for the whole run.
        var g = new Generator(0);
        Tensor Randn(params long[] shape) => torch.Randn(shape, g);

        Tensor a1 = Randn(1), b1 = Randn(1);
        Tensor a4 = Randn(4, 4), b4 = Randn(4, 4);
        Tensor acc = torch.Zeros([4, 4]);
        Tensor lx = Randn(2, 8), lw = Randn(4, 8), lb = Randn(4);
        Tensor gx = Randn(2, 8), gw = Randn(4, 8).RequiresGrad_(), gb = Randn(4).RequiresGrad_();

        var cases = new List<BenchCase>
        {
            Tiny("add_1", "add, 1-element tensors", k => { for (int i = 0; i < k; i++) _ = a1 + b1; }),
            Tiny("add_4x4", "add, 4x4 tensors", k => { for (int i = 0; i < k; i++) _ = a4 + b4; }),
            Tiny("add_inplace_4x4", "add_ in place, 4x4", k => { for (int i = 0; i < k; i++) acc.Add_(b4); }),
            Tiny("mul_scalar_4x4", "mul by scalar, 4x4", k => { for (int i = 0; i < k; i++) _ = a4 * 2.0; }),
            Tiny("view_4x4", "view(16) of 4x4", k => { for (int i = 0; i < k; i++) a4.View(16); }),
            Tiny("reshape_4x4", "reshape(2,8) of 4x4", k => { for (int i = 0; i < k; i++) a4.Reshape(2, 8); }),
            Tiny("sum_4x4", "sum of 4x4", k => { for (int i = 0; i < k; i++) a4.Sum(); }),
            Tiny("linear_tiny", "linear [2,8]x[4,8]+b", k => { for (int i = 0; i < k; i++) F.Linear(lx, lw, lb); }),
            Tiny("autograd_tiny", "linear+sum fwd+bwd", k =>
            {
                for (int i = 0; i < k; i++) F.Linear(gx, gw, gb).Sum().Backward();
            }),
        };

        foreach (long n in new long[] { 64, 256, 512, 1024 })
        {
            Tensor a = Randn(n, n), b = Randn(n, n);
            cases.Add(new($"matmul_{n}", $"matmul {n}x{n} @ {n}x{n}", false, 2.0 * n * n * n,
                k => { for (int i = 0; i < k; i++) torch.Matmul(a, b); }));
        }

        (string Name, long[] X, long[] W)[] convs =
        [
            ("conv_1x32x64", [1, 32, 64, 64], [32, 32, 3, 3]),
            ("conv_2x64x32", [2, 64, 32, 32], [64, 64, 3, 3]),
            ("conv_1x320x64", [1, 320, 64, 64], [320, 320, 3, 3]),
        ];
        foreach (var (name, xs, ws) in convs)
        {
            Tensor x = Randn(xs), w = Randn(ws), b = Randn(ws[0]);
            // padding 1 keeps H and W: 2 FLOPs per multiply-add, N*Cout*H*W outputs of Cin*kh*kw each.
            double flops = 2.0 * xs[0] * ws[0] * xs[2] * xs[3] * ws[1] * ws[2] * ws[3];
            cases.Add(new(name, $"conv2d [{string.Join(",", xs)}]*[{string.Join(",", ws)}] p1", false, flops,
                k => { for (int i = 0; i < k; i++) F.Conv2d(x, w, b, padding: 1); }));
        }
        return cases;
    }

    private static BenchCase Tiny(string name, string label, Action<int> run) => new(name, label, true, 0, run);
}
