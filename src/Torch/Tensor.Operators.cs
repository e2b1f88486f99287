namespace Torch;

public sealed partial class Tensor
{
    public static Tensor operator +(Tensor a, Tensor b) => Aten.AddT.Call(a, b);
    public static Tensor operator +(Tensor a, double b) => Aten.AddS.Call(a, b);
    public static Tensor operator +(double a, Tensor b) => Aten.AddS.Call(b, a);
    public static Tensor operator -(Tensor a, Tensor b) => Aten.SubT.Call(a, b);
    public static Tensor operator -(Tensor a, double b) => Aten.SubS.Call(a, b);
    public static Tensor operator -(double a, Tensor b) => Aten.RSubS.Call(b, a);
    public static Tensor operator *(Tensor a, Tensor b) => Aten.MulT.Call(a, b);
    public static Tensor operator *(Tensor a, double b) => Aten.MulS.Call(a, b);
    public static Tensor operator *(double a, Tensor b) => Aten.MulS.Call(b, a);
    public static Tensor operator /(Tensor a, Tensor b) => Aten.DivT.Call(a, b);
    public static Tensor operator /(Tensor a, double b) => Aten.DivS.Call(a, b);
    // PyTorch's __rtruediv__ is reciprocal() * a, too.
    public static Tensor operator /(double a, Tensor b)
    {
        using Tensor r = Aten.Reciprocal.Call(b);
        return Aten.MulS.Call(r, a);
    }
    public static Tensor operator -(Tensor a) => Aten.Neg.Call(a);
}
