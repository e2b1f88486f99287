namespace Align.Schedulers;

/// <summary>diffusers' <c>DDIMScheduler</c> config.</summary>
public sealed record DdimConfig : DdimFamilyConfig
{
    public DdimConfig() => ClipSample = true;
}
