namespace Server.Grpc;

/// <summary>
/// The grpc-timeout request header: "Timeout → TimeoutValue TimeoutUnit", a positive integer of at most 8 digits and one
/// of H (hours), M (minutes), S (seconds), m (milliseconds), u (microseconds), n (nanoseconds)
/// (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#requests).
/// </summary>
public static class GrpcTimeout
{
    public const string Header = "grpc-timeout";

    public static bool TryParse(string value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length is < 2 or > 9) return false;
        long amount = 0;
        foreach (char c in value.AsSpan(0, value.Length - 1))
        {
            if (c is < '0' or > '9') return false;
            amount = amount * 10 + (c - '0');
        }
        long? ticks = value[^1] switch
        {
            'H' => amount * TimeSpan.TicksPerHour,
            'M' => amount * TimeSpan.TicksPerMinute,
            'S' => amount * TimeSpan.TicksPerSecond,
            'm' => amount * TimeSpan.TicksPerMillisecond,
            'u' => amount * TimeSpan.TicksPerMicrosecond,
            'n' => (amount + 99) / 100, // 100 ns per tick, rounded up so that a timeout never shrinks to nothing
            _ => null,
        };
        if (ticks is null) return false;
        timeout = TimeSpan.FromTicks(ticks.Value);
        return true;
    }
}
