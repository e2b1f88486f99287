using System.Globalization;

namespace Training.Dpo;

/// <summary>Training timesteps [First, End) of a schedule of <c>NumTrainTimesteps</c>, written "FIRST:END" on the command line.</summary>
public sealed record TimestepWindow(int First, int End)
{
    public static TimestepWindow Parse(string text, int numTrainTimesteps)
    {
        string[] parts = text.Split(':');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int first)
            || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int end))
            throw new ArgumentException($"--timesteps '{text}' is not FIRST:END (two whole numbers, e.g. 400:1000)");
        if (first < 0 || end > numTrainTimesteps || first >= end)
            throw new ArgumentException($"--timesteps {first}:{end} must satisfy 0 ≤ FIRST < END ≤ {numTrainTimesteps} (the model's training timesteps)");
        return new TimestepWindow(first, end);
    }

    /// <summary>"FIRST:END", as <see cref="Parse"/> reads it.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{First}:{End}");

    /// <summary>A timestep uniform over the window.</summary>
    public long Draw(Random random) => random.Next(First, End);
}
