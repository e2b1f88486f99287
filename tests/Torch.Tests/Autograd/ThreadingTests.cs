namespace Torch.Tests.AutogradChecks;

/// <summary>Forward and backward on several threads at once give the single-threaded results; grad mode is per thread.</summary>
public class ThreadingTests
{
    private sealed record Result(float Loss, float[] Output, float[] GradX, float[] GradW, float[] GradB);

    /// <summary>A conv → group_norm → silu → attention-ish → mean step on tensors of its own, from <paramref name="seed"/>.</summary>
    private static Result Work(ulong seed)
    {
        using var scope = torch.NewDisposeScope();
        using var g = new Generator(seed);
        Tensor x = torch.Randn([2, 4, 6, 6], g).RequiresGrad_();
        Tensor w = torch.Randn([8, 4, 3, 3], g).RequiresGrad_();
        Tensor b = torch.Randn([8], g).RequiresGrad_();
        Tensor h = F.Silu(F.GroupNorm(F.Conv2d(x, w, b, padding: 1), 4));
        Tensor tokens = h.Flatten(2).Transpose(1, 2);
        Tensor attended = F.ScaledDotProductAttention(tokens, tokens, tokens);
        Tensor loss = (attended * attended).Mean();
        loss.Backward();
        return new Result(loss.ToSingle(), attended.ToArray<float>(), x.Grad!.ToArray<float>(), w.Grad!.ToArray<float>(),
            b.Grad!.ToArray<float>());
    }

    private static T OnNewThread<T>(Func<T> f)
    {
        T result = default!;
        var t = new Thread(() => result = f());
        t.Start();
        t.Join();
        return result;
    }

    private static void AssertSame(Result expected, Result actual, string what)
    {
        Assert.True(expected.Loss == actual.Loss, $"{what}: loss {actual.Loss}, expected {expected.Loss}");
        Assert.True(expected.Output.AsSpan().SequenceEqual(actual.Output), $"{what}: outputs differ");
        Assert.True(expected.GradX.AsSpan().SequenceEqual(actual.GradX), $"{what}: x gradients differ");
        Assert.True(expected.GradW.AsSpan().SequenceEqual(actual.GradW), $"{what}: w gradients differ");
        Assert.True(expected.GradB.AsSpan().SequenceEqual(actual.GradB), $"{what}: b gradients differ");
    }

    [Fact]
    public void ConcurrentForwardBackwardMatchesSingleThreaded()
    {
        const int threads = 4, iterations = 40;
        Result[] reference = Enumerable.Range(0, threads).Select(k => OnNewThread(() => Work((ulong)k + 100))).ToArray();
        Assert.NotEqual(reference[0].Loss, reference[1].Loss);

        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(k => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < iterations; i++)
            {
                try
                {
                    AssertSame(reference[k], Work((ulong)k + 100), $"thread {k} iteration {i}");
                }
                catch (Exception e)
                {
                    failures.Enqueue(e.Message);
                    return;
                }
            }
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());
        Assert.Empty(failures);
    }

    [Fact]
    public void GradModeIsPerThread()
    {
        using var phase = new Barrier(2);
        bool? quietRecorded = null, busyRecorded = null, quietEnabled = null, busyEnabled = null;
        float[]? busyGrad = null;
        var quiet = new Thread(() =>
        {
            using var scope = torch.NewDisposeScope();
            Tensor x = torch.Ones([3]).RequiresGrad_();
            using (Torch.Autograd.NoGrad())
            {
                phase.SignalAndWait(); // NoGrad is on here before the other thread computes
                phase.SignalAndWait(); // and stays on until it has
                quietEnabled = Torch.Autograd.IsGradEnabled;
                quietRecorded = (x * 2).RequiresGrad;
            }
        });
        var busy = new Thread(() =>
        {
            using var scope = torch.NewDisposeScope();
            Tensor x = torch.Ones([3]).RequiresGrad_();
            phase.SignalAndWait();
            busyEnabled = Torch.Autograd.IsGradEnabled;
            Tensor y = x * 2;
            busyRecorded = y.RequiresGrad;
            if (busyRecorded == true)
            {
                y.Sum().Backward();
                busyGrad = x.Grad?.ToArray<float>();
            }
            phase.SignalAndWait();
        });
        quiet.Start();
        busy.Start();
        quiet.Join();
        busy.Join();
        Assert.Equal(false, quietEnabled);
        Assert.Equal(false, quietRecorded);
        Assert.Equal(true, busyEnabled);
        Assert.Equal(true, busyRecorded);
        Assert.Equal(new float[] { 2, 2, 2 }, busyGrad);
    }

    [Fact]
    public void ErrorMessagesStayOnTheirThread()
    {
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void Loop(Func<Tensor> op, string expected)
        {
            using var scope = torch.NewDisposeScope();
            // libtorch errors are slow to raise (c10::Error records a backtrace), so keep the count modest.
            for (int i = 0; i < 40; i++)
            {
                try
                {
                    op();
                    failures.Enqueue("no error");
                }
                catch (TorchException ex) when (ex.Message.Contains(expected))
                {
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex.Message);
                }
            }
        }
        var a = new Thread(() => Loop(() => torch.Matmul(torch.Zeros([2, 3]), torch.Zeros([4, 5])), "mat1 and mat2 shapes"));
        var b = new Thread(() => Loop(() => F.Conv2d(torch.Zeros([1, 3, 4, 4]), torch.Zeros([2, 2, 3, 3])), "to have 2 channels"));
        a.Start();
        b.Start();
        a.Join();
        b.Join();
        Assert.Empty(failures);
    }
}
