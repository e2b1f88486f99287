namespace Torch.NN;

/// <summary>A module with a typed forward, called as <c>layer.Forward(x)</c> or <c>layer.Call(x)</c>.</summary>
public abstract class Module<TIn, TOut> : Module
{
    public abstract TOut Forward(TIn input);

    /// <summary><c>module(x)</c>.</summary>
    public TOut Call(TIn input) => Forward(input);
}

/// <summary>A module whose forward takes two arguments.</summary>
public abstract class Module<TIn1, TIn2, TOut> : Module
{
    public abstract TOut Forward(TIn1 input1, TIn2 input2);

    public TOut Call(TIn1 input1, TIn2 input2) => Forward(input1, input2);
}

/// <summary>A module whose forward takes three arguments.</summary>
public abstract class Module<TIn1, TIn2, TIn3, TOut> : Module
{
    public abstract TOut Forward(TIn1 input1, TIn2 input2, TIn3 input3);

    public TOut Call(TIn1 input1, TIn2 input2, TIn3 input3) => Forward(input1, input2, input3);
}
