namespace Torch;

/// <summary>A safetensors file that cannot be read: malformed, truncated, or asked for a tensor it lacks.</summary>
public sealed class SafetensorsException : Exception
{
    public SafetensorsException(string path, string problem, Exception? inner = null)
        : base($"safetensors file '{path}': {problem}", inner)
    {
        FilePath = path;
        Problem = problem;
    }

    /// <summary>The file the problem was found in.</summary>
    public string FilePath { get; }

    /// <summary>The problem alone, without the file name.</summary>
    public string Problem { get; }
}
