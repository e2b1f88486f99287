namespace Torch.Tests.Ops;

/// <summary>Failures surface as .NET exceptions carrying libtorch's own message, and the process carries on.</summary>
public class ErrorTests
{
    private static TorchException Fails(Func<Tensor> op)
    {
        var ex = Assert.Throws<TorchException>(() => op());
        Assert.DoesNotContain("Exception raised from", ex.Message);
        return ex;
    }

    [Fact]
    public void MatmulShapeMismatch()
    {
        using var scope = torch.NewDisposeScope();
        var ex = Fails(() => torch.Matmul(torch.Zeros([2, 3]), torch.Zeros([4, 5])));
        Assert.StartsWith("aten::matmul: ", ex.Message);
        Assert.Contains("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)", ex.Message);
    }

    [Fact]
    public void ConvWithWrongChannelCount()
    {
        using var scope = torch.NewDisposeScope();
        var ex = Fails(() => F.Conv2d(torch.Zeros([1, 3, 8, 8]), torch.Zeros([4, 4, 3, 3])));
        Assert.Contains("aten::conv2d", ex.Message);
        Assert.Contains("expected input[1, 3, 8, 8] to have 4 channels, but got 3 channels instead", ex.Message);
    }

    [Fact]
    public void WrongDTypes()
    {
        using var scope = torch.NewDisposeScope();
        var ex = Fails(() => torch.Matmul(torch.Zeros([2, 3]), torch.Zeros([3, 2], DType.Float64)));
        Assert.Contains("expected scalar type Float but found Double", ex.Message);
        ex = Fails(() => torch.Zeros([3]).IndexSelect(0, torch.Zeros([2])));
        Assert.Contains("index_select(): Expected dtype int32 or int64 for index", ex.Message);
    }

    [Fact]
    public void BackwardOfNonScalarWithoutGradient()
    {
        using var scope = torch.NewDisposeScope();
        Tensor x = torch.Ones([3]).RequiresGrad_();
        Tensor y = x * 2;
        var ex = Assert.Throws<TorchException>(() => y.Backward());
        Assert.Contains("grad can be implicitly created only for scalar outputs", ex.Message);
    }

    [Fact]
    public void WrongArgumentKindNamesOpAndArgument()
    {
        using var scope = torch.NewDisposeScope();
        Tensor x = torch.Ones([2]);
        var add = new Op("aten::add", "Tensor");
        var ex = Fails(() => add.Call(x, "hello"));
        Assert.Equal("aten::add.Tensor: argument 'other' cannot take a str", ex.Message);
        ex = Fails(() => add.Call(x, Arg.None));
        Assert.Equal("aten::add.Tensor: argument 'other' may not be None", ex.Message);
        ex = Fails(() => new Op("aten::conv2d").Call(x));
        Assert.Equal("aten::conv2d: missing required argument 'weight'", ex.Message);
        ex = Fails(() => new Op("aten::neg").Call(x, x));
        Assert.Equal("aten::neg: takes 1 arguments, got 2", ex.Message);
        ex = Fails(() => x.Reshape(3));
        Assert.Contains("shape '[3]' is invalid for input of size 2", ex.Message);
    }

    [Fact]
    public void UnknownOperator()
    {
        var ex = Assert.Throws<TorchException>(() => new Op("aten::no_such_operator").Call());
        Assert.Contains("no operator aten::no_such_operator in this libtorch", ex.Message);
    }

    [Fact]
    public void DisposedTensorsThrowObjectDisposed()
    {
        Tensor a = torch.Ones([2, 2]);
        Tensor b = torch.Ones([2, 2]);
        b.Dispose();
        Assert.True(b.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => b.Shape);
        Assert.Throws<ObjectDisposedException>(() => b.Add(1.0));
        Assert.Throws<ObjectDisposedException>(() => a.Add(b));
        Assert.Throws<ObjectDisposedException>(() => torch.Cat([a, b]));
        Assert.Equal("Tensor(disposed)", b.ToString());
        b.Dispose();

        Tensor owned;
        using (torch.NewDisposeScope()) owned = a * 3;
        Assert.True(owned.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => owned.ToArray<float>());
        a.Dispose();
    }

    [Fact]
    public void ProcessCarriesOnAfterErrors()
    {
        using var scope = torch.NewDisposeScope();
        for (int k = 0; k < 20; k++)
        {
            Assert.Throws<TorchException>(() => torch.Matmul(torch.Zeros([2, 3]), torch.Zeros([4, 5])));
            Assert.Throws<ObjectDisposedException>(() =>
            {
                Tensor t = torch.Zeros([1]);
                t.Dispose();
                return t.Neg();
            });
        }
        Tensor x = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, torch.Matmul(x, x).ToArray<float>());
    }

    [Fact]
    public void ReadingWithTheWrongElementType()
    {
        using var scope = torch.NewDisposeScope();
        var ex = Assert.Throws<InvalidOperationException>(() => torch.Zeros([2]).ToArray<double>());
        Assert.Contains("tensor is Float32, not Float64", ex.Message);
    }
}
