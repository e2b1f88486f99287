namespace Torch;

// Tensor methods, named after their PyTorch counterparts (PascalCase; a trailing _ marks in-place).
public sealed partial class Tensor
{
    // ------------------------------------------------------------ arithmetic
    public Tensor Add(Tensor other, double alpha = 1) => Aten.AddT.Call(this, other, alpha);
    public Tensor Add(double other) => Aten.AddS.Call(this, other);
    public Tensor Sub(Tensor other, double alpha = 1) => Aten.SubT.Call(this, other, alpha);
    public Tensor Sub(double other) => Aten.SubS.Call(this, other);
    public Tensor Mul(Tensor other) => Aten.MulT.Call(this, other);
    public Tensor Mul(double other) => Aten.MulS.Call(this, other);
    public Tensor Div(Tensor other) => Aten.DivT.Call(this, other);
    public Tensor Div(double other) => Aten.DivS.Call(this, other);
    public Tensor Neg() => Aten.Neg.Call(this);
    public Tensor Reciprocal() => Aten.Reciprocal.Call(this);
    public Tensor Pow(double exponent) => Aten.PowS.Call(this, exponent);
    public Tensor Pow(Tensor exponent) => Aten.PowT.Call(this, exponent);
    public Tensor Exp() => Aten.Exp.Call(this);
    public Tensor Log() => Aten.Log.Call(this);
    public Tensor Sqrt() => Aten.Sqrt.Call(this);
    public Tensor Rsqrt() => Aten.Rsqrt.Call(this);
    public Tensor Abs() => Aten.Abs.Call(this);
    public Tensor Sin() => Aten.Sin.Call(this);
    public Tensor Cos() => Aten.Cos.Call(this);
    public Tensor Tanh() => Aten.Tanh.Call(this);
    public Tensor Sigmoid() => Aten.Sigmoid.Call(this);
    public Tensor Sign() => Aten.Sign.Call(this);
    public Tensor Floor() => Aten.Floor.Call(this);
    public Tensor Round() => Aten.Round.Call(this);
    public Tensor Erf() => Aten.Erf.Call(this);
    public Tensor Square() => Aten.Square.Call(this);
    public Tensor Clamp(double? min = null, double? max = null) => Aten.Clamp.Call(this, Arg.From(min), Arg.From(max));
    public Tensor ClampMin(double min) => Aten.Clamp.Call(this, min, Arg.None);
    public Tensor ClampMax(double max) => Aten.Clamp.Call(this, Arg.None, max);
    public Tensor Maximum(Tensor other) => Aten.Maximum.Call(this, other);
    public Tensor Minimum(Tensor other) => Aten.Minimum.Call(this, other);
    public Tensor Lerp(Tensor end, double weight) => Aten.LerpS.Call(this, end, weight);
    public Tensor Lerp(Tensor end, Tensor weight) => Aten.LerpT.Call(this, end, weight);
    public Tensor Matmul(Tensor other) => Aten.Matmul.Call(this, other);
    public Tensor Bmm(Tensor other) => Aten.Bmm.Call(this, other);
    public Tensor Mm(Tensor other) => Aten.Mm.Call(this, other);
    public Tensor IsFinite() => Aten.IsFinite.Call(this);
    public Tensor IsNan() => Aten.IsNan.Call(this);

    // ------------------------------------------------------------ in place
    public Tensor Add_(Tensor other, double alpha = 1) => Aten.AddT_.CallInPlace(this, this, other, alpha);
    public Tensor Add_(double other) => Aten.AddS_.CallInPlace(this, this, other);
    public Tensor Sub_(Tensor other, double alpha = 1) => Aten.SubT_.CallInPlace(this, this, other, alpha);
    public Tensor Mul_(Tensor other) => Aten.MulT_.CallInPlace(this, this, other);
    public Tensor Mul_(double other) => Aten.MulS_.CallInPlace(this, this, other);
    public Tensor Div_(Tensor other) => Aten.DivT_.CallInPlace(this, this, other);
    public Tensor Div_(double other) => Aten.DivS_.CallInPlace(this, this, other);
    public Tensor Copy_(Tensor source) => Aten.Copy_.CallInPlace(this, this, source);
    public Tensor Fill_(double value) => Aten.FillS_.CallInPlace(this, this, value);
    public Tensor Zero_() => Aten.Zero_.CallInPlace(this, this);
    public Tensor Addcmul_(Tensor t1, Tensor t2, double value = 1) => Aten.Addcmul_.CallInPlace(this, this, t1, t2, value);
    public Tensor Addcdiv_(Tensor t1, Tensor t2, double value = 1) => Aten.Addcdiv_.CallInPlace(this, this, t1, t2, value);
    public Tensor Lerp_(Tensor end, double weight) => Aten.LerpS_.CallInPlace(this, this, end, weight);
    public Tensor Clamp_(double? min = null, double? max = null) => Aten.Clamp_.CallInPlace(this, this, Arg.From(min), Arg.From(max));
    public Tensor Normal_(double mean = 0, double std = 1, Generator? generator = null) =>
        Aten.Normal_.CallInPlace(this, this, mean, std, generator);
    public Tensor Uniform_(double from = 0, double to = 1, Generator? generator = null) =>
        Aten.Uniform_.CallInPlace(this, this, from, to, generator);

    // ------------------------------------------------------------ comparison and logic
    public Tensor Eq(Tensor other) => Aten.EqT.Call(this, other);
    public Tensor Eq(double other) => Aten.EqS.Call(this, other);
    public Tensor Ne(Tensor other) => Aten.NeT.Call(this, other);
    public Tensor Ne(double other) => Aten.NeS.Call(this, other);
    public Tensor Gt(Tensor other) => Aten.GtT.Call(this, other);
    public Tensor Gt(double other) => Aten.GtS.Call(this, other);
    public Tensor Lt(Tensor other) => Aten.LtT.Call(this, other);
    public Tensor Lt(double other) => Aten.LtS.Call(this, other);
    public Tensor Ge(Tensor other) => Aten.GeT.Call(this, other);
    public Tensor Ge(double other) => Aten.GeS.Call(this, other);
    public Tensor Le(Tensor other) => Aten.LeT.Call(this, other);
    public Tensor Le(double other) => Aten.LeS.Call(this, other);
    public Tensor LogicalNot() => Aten.LogicalNot.Call(this);
    public Tensor All() => Aten.All.Call(this);
    public Tensor Any() => Aten.Any.Call(this);
    public Tensor MaskedFill(Tensor mask, double value) => Aten.MaskedFillS.Call(this, mask, value);

    // ------------------------------------------------------------ reductions
    public Tensor Sum(DType? dtype = null) => Aten.Sum.Call(this, dtype);
    public Tensor Sum(long[] dims, bool keepDim = false) => Aten.SumDim.Call(this, dims, keepDim);
    public Tensor Sum(long dim, bool keepDim = false) => Aten.SumDim.Call(this, new[] { dim }, keepDim);
    // Without this overload C# binds a literal 0 to Sum(DType?) (DType 0 is UInt8): t.Sum(0) summed everything into a uint8.
    public Tensor Sum(int dim, bool keepDim = false) => Sum((long)dim, keepDim);
    public Tensor Mean() => Aten.Mean.Call(this);
    public Tensor Mean(long[] dims, bool keepDim = false) => Aten.MeanDim.Call(this, dims, keepDim);
    public Tensor Mean(long dim, bool keepDim = false) => Aten.MeanDim.Call(this, new[] { dim }, keepDim);
    public Tensor Max() => Aten.Max.Call(this);
    public (Tensor Values, Tensor Indices) Max(long dim, bool keepDim = false) => Aten.MaxDim.Call2(this, dim, keepDim);
    public Tensor Min() => Aten.Min.Call(this);
    public (Tensor Values, Tensor Indices) Min(long dim, bool keepDim = false) => Aten.MinDim.Call2(this, dim, keepDim);
    public Tensor Amax(long[] dims, bool keepDim = false) => Aten.Amax.Call(this, dims, keepDim);
    public Tensor Amin(long[] dims, bool keepDim = false) => Aten.Amin.Call(this, dims, keepDim);
    public Tensor Argmax(long? dim = null, bool keepDim = false) => Aten.Argmax.Call(this, Arg.From(dim), keepDim);
    public Tensor Argmin(long? dim = null, bool keepDim = false) => Aten.Argmin.Call(this, Arg.From(dim), keepDim);
    /// <summary>Vector p-norm over all elements, or over <paramref name="dims"/>.</summary>
    public Tensor Norm(double p = 2, long[]? dims = null, bool keepDim = false) => Aten.VectorNorm.Call(this, p, dims, keepDim);
    public Tensor Var(long[]? dims = null, long correction = 1, bool keepDim = false) =>
        Aten.VarCorrection.Call(this, dims, correction, keepDim);
    public Tensor Std(long[]? dims = null, long correction = 1, bool keepDim = false) =>
        Aten.StdCorrection.Call(this, dims, correction, keepDim);
    public Tensor LogSumExp(long dim, bool keepDim = false) => Aten.LogSumExp.Call(this, new[] { dim }, keepDim);
    public Tensor Cumsum(long dim) => Aten.Cumsum.Call(this, dim);
    public Tensor Cumprod(long dim) => Aten.Cumprod.Call(this, dim);
    public (Tensor Values, Tensor Indices) Topk(long k, long dim = -1, bool largest = true, bool sorted = true) =>
        Aten.Topk.Call2(this, k, dim, largest, sorted);
    public (Tensor Values, Tensor Indices) Sort(long dim = -1, bool descending = false) => Aten.Sort.Call2(this, dim, descending);

    /// <summary>The value of a one-element tensor (<c>item()</c>).</summary>
    public double ToDouble() => Aten.Item.CallScalar(this);
    public float ToSingle() => (float)ToDouble();
    public long ToInt64() => (long)Aten.Item.CallScalar(this);
    public bool ToBoolean() => Aten.Item.CallScalar(this) != 0;

    // ------------------------------------------------------------ shape and views
    public Tensor View(params long[] shape) => Aten.View.Call(this, shape);
    public Tensor Reshape(params long[] shape) => Aten.Reshape.Call(this, shape);
    public Tensor Permute(params long[] dims) => Aten.Permute.Call(this, dims);
    public Tensor Transpose(long dim0, long dim1) => Aten.Transpose.Call(this, dim0, dim1);
    /// <summary>Transpose of a 2-D tensor (<c>.T</c> / <c>.t()</c>).</summary>
    public Tensor T => Aten.Transpose.Call(this, 0, 1);
    public Tensor Flatten(long startDim = 0, long endDim = -1) => Aten.Flatten.Call(this, startDim, endDim);
    public Tensor Unsqueeze(long dim) => Aten.Unsqueeze.Call(this, dim);
    public Tensor Squeeze() => Aten.Squeeze.Call(this);
    public Tensor Squeeze(long dim) => Aten.SqueezeDim.Call(this, dim);
    public Tensor Expand(params long[] shape) => Aten.Expand.Call(this, shape);
    public Tensor ExpandAs(Tensor other) => Aten.ExpandAs.Call(this, other);
    public Tensor Repeat(params long[] repeats) => Aten.Repeat.Call(this, repeats);
    public Tensor Narrow(long dim, long start, long length) => Aten.Narrow.Call(this, dim, start, length);
    public Tensor Slice(long dim, long? start, long? end, long step = 1) => Aten.Slice.Call(this, dim, Arg.From(start), Arg.From(end), step);
    public Tensor Select(long dim, long index) => Aten.Select.Call(this, dim, index);
    public Tensor IndexSelect(long dim, Tensor index) => Aten.IndexSelect.Call(this, dim, index);
    public Tensor Gather(long dim, Tensor index) => Aten.Gather.Call(this, dim, index);
    public Tensor[] Chunk(long chunks, long dim = 0) => Aten.Chunk.CallMany(this, chunks, dim);
    public Tensor[] Split(long splitSize, long dim = 0) => Aten.Split.CallMany(this, splitSize, dim);
    public Tensor[] Split(long[] sizes, long dim = 0) => Aten.SplitSizes.CallMany(this, sizes, dim);
    public Tensor[] Unbind(long dim = 0) => Aten.Unbind.CallMany(this, dim);
    public Tensor Contiguous() => Aten.Contiguous.Call(this);
    public Tensor Clone() => Aten.Clone.Call(this);
    /// <summary>A new tensor sharing storage, cut from the autograd graph.</summary>
    public Tensor Detach() => Aten.Detach.Call(this);
    public Tensor Flip(params long[] dims) => Aten.Flip.Call(this, dims);
    public Tensor Roll(long[] shifts, long[] dims) => Aten.Roll.Call(this, shifts, dims);
    public Tensor Tril(long diagonal = 0) => Aten.Tril.Call(this, diagonal);
    public Tensor Triu(long diagonal = 0) => Aten.Triu.Call(this, diagonal);

    // ------------------------------------------------------------ conversion
    public Tensor To(DType dtype, bool copy = false) => Aten.ToDType.Call(this, dtype, false, copy);
    public Tensor To(Device device, bool copy = false) => Aten.ToDevice.Call(this, device, DType, false, copy);
    public Tensor To(Device device, DType dtype, bool copy = false) => Aten.ToDevice.Call(this, device, dtype, false, copy);
    public Tensor Float() => To(DType.Float32);
    public Tensor Half() => To(DType.Float16);
    public Tensor Long() => To(DType.Int64);
    public Tensor Cpu() => To(Device.CPU);
}
