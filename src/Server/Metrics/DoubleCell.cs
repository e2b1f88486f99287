namespace Server.Metrics;

/// <summary>A double that many threads add to or overwrite without locks.</summary>
internal sealed class DoubleCell
{
    private double value;

    public double Value => Volatile.Read(ref value);

    public void Add(double amount)
    {
        double seen = Volatile.Read(ref value);
        while (true)
        {
            double found = Interlocked.CompareExchange(ref value, seen + amount, seen);
            // Compare bits: NaN never equals itself, and a NaN total must not spin forever.
            if (BitConverter.DoubleToInt64Bits(found) == BitConverter.DoubleToInt64Bits(seen)) return;
            seen = found;
        }
    }

    public void Set(double newValue) => Volatile.Write(ref value, newValue);
}
