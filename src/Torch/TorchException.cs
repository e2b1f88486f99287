namespace Torch;

/// <summary>An error reported by libtorch (its <c>c10::Error</c> message) or by the binding.</summary>
public sealed class TorchException(string message) : Exception(message);
