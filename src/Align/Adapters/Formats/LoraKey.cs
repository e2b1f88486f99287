namespace Align.Adapters.Formats;

/// <summary>Which tensor of a layer's pair a file key holds: A (down), B (up), or the layer's alpha.</summary>
internal enum LoraPart { Down, Up, Alpha }

/// <summary>A file key understood: the target layer (<c>component.path</c>) and the part; <paramref name="Problem"/> when it cannot be placed.</summary>
internal readonly record struct LoraKey(string Layer, LoraPart Part, string? Problem = null);
