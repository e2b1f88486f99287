using Torch;

namespace Align.Schedulers;

public static class SchedulerExtensions
{
    /// <summary>The schedule as diffusers' <c>scheduler.timesteps</c> tensor (1-D, <see cref="IScheduler.TimestepDType"/>, CPU).</summary>
    public static Tensor TimestepTensor(this IScheduler scheduler)
    {
        using Tensor values = Tensor.FromArray(scheduler.Timesteps.ToArray(), scheduler.Timesteps.Count);
        return values.To(scheduler.TimestepDType, copy: true);
    }

    /// <summary>Timestep <paramref name="index"/> as the 0-d tensor a diffusers pipeline passes to the model.</summary>
    public static Tensor TimestepTensor(this IScheduler scheduler, int index) =>
        torch.Scalar(scheduler.Timesteps[index], scheduler.TimestepDType);
}
