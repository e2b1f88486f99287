using Align.Adapters.Store;

namespace Server.Adapters;

/// <summary>What a model's registry knows of one adapter: its current version, whether its weights are loaded, the requests using it, and the last load error.</summary>
public sealed record AdapterStatus(AdapterVersion Version, bool Loaded, long Bytes, int InUse, string? Error);
