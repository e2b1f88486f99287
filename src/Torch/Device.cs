namespace Torch;

/// <summary>Device kinds; the values are libtorch's <c>c10::DeviceType</c>.</summary>
public enum DeviceType
{
    CPU = 0,
    CUDA = 1,
}

/// <summary>A device such as <c>cpu</c> or <c>cuda:0</c>.</summary>
public readonly record struct Device(DeviceType Type, int Index = -1)
{
    public static readonly Device CPU = new(DeviceType.CPU);

    public static Device CUDA(int index = 0) => new(DeviceType.CUDA, index);

    public bool IsCuda => Type == DeviceType.CUDA;

    /// <summary>Parses <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public static Device Parse(string text)
    {
        string s = text.Trim().ToLowerInvariant();
        if (s == "cpu") return CPU;
        if (s == "cuda") return CUDA(0);
        if (s.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(s.AsSpan(5), out int index) && index >= 0)
            return CUDA(index);
        throw new FormatException($"unknown device '{text}': expected cpu, cuda or cuda:N");
    }

    public override string ToString() =>
        Type == DeviceType.CPU ? "cpu" : Index < 0 ? "cuda" : $"cuda:{Index}";
}
