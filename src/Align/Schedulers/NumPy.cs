namespace Align.Schedulers;

/// <summary>
/// The few NumPy 1.24 float64 routines diffusers builds schedules with, reproduced operation for operation
/// (their rounding decides integer timesteps, and <c>arange</c>'s length rule can yield one element more than asked).
/// </summary>
internal static class NumPy
{
    /// <summary><c>np.arange(start, stop, step)</c> for floats: length ceil((stop − start) / step); element i ≥ 2 is start + i·(a[1] − a[0]).</summary>
    public static double[] Arange(double start, double stop, double step)
    {
        if (step == 0) throw new ArgumentException("arange step must not be zero", nameof(step));
        double delta = stop - start;
        double ratio = delta / step;
        long length = ratio == 0 && delta != 0 ? (double.IsNegative(ratio) ? 0 : 1) : (long)Math.Ceiling(ratio);
        if (length <= 0) return [];
        var a = new double[length];
        a[0] = start;
        if (length == 1) return a;
        a[1] = start + step;
        double d = a[1] - a[0];
        for (long i = 2; i < length; i++) a[i] = start + i * d;
        return a;
    }

    /// <summary><c>np.linspace(start, stop, num, endpoint)</c>: i·step + start, the last element set to stop when it is an endpoint.</summary>
    public static double[] Linspace(double start, double stop, int num, bool endpoint = true)
    {
        if (num < 0) throw new ArgumentOutOfRangeException(nameof(num), num, "linspace needs a non-negative count");
        var y = new double[num];
        int div = endpoint ? num - 1 : num;
        double delta = stop - start;
        if (div > 0)
        {
            double step = delta / div;
            for (int i = 0; i < num; i++) y[i] = step == 0 ? i / (double)div * delta + start : i * step + start;
        }
        else
        {
            for (int i = 0; i < num; i++) y[i] = i * delta + start;
        }
        if (endpoint && num > 1) y[^1] = stop;
        return y;
    }

    /// <summary><c>np.interp(x, xp, fp)</c> with increasing <paramref name="xp"/>, clamping outside the range.</summary>
    public static double Interp(double x, double[] xp, double[] fp)
    {
        int n = xp.Length;
        if (n == 0 || fp.Length != n) throw new ArgumentException("interp needs matching, non-empty xp and fp");
        if (double.IsNaN(x)) return x;
        if (x > xp[^1]) return fp[^1];
        if (x < xp[0]) return fp[0];
        if (x == xp[^1]) return fp[^1];
        // the last j with xp[j] <= x
        int lo = 0, hi = n - 1;
        while (hi - lo > 1)
        {
            int mid = (lo + hi) >> 1;
            if (xp[mid] <= x) lo = mid;
            else hi = mid;
        }
        int j = lo;
        if (xp[j] == x) return fp[j];
        double slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
        double r = slope * (x - xp[j]) + fp[j];
        if (double.IsNaN(r))
        {
            r = slope * (x - xp[j + 1]) + fp[j + 1];
            if (double.IsNaN(r) && fp[j] == fp[j + 1]) r = fp[j];
        }
        return r;
    }

    /// <summary>
    /// <c>np.log</c> of a float32 array: on x86 CPUs with AVX2+FMA or AVX-512, NumPy 1.24 uses its own vectorised
    /// log (rational minimax approximation, up to 3.8 ulp) rather than libm's logf, and diffusers' Karras timesteps
    /// depend on it. Zero, negative, non-finite and subnormal inputs go to <see cref="MathF.Log(float)"/>.
    /// </summary>
    public static float LogF(float x)
    {
        if (!float.IsNormal(x) || x < 0) return MathF.Log(x);
        int bits = BitConverter.SingleToInt32Bits(x);
        float exponent = (bits >> 23) - 126;
        float m = BitConverter.Int32BitsToSingle((bits & 0x7fffff) | (126 << 23)); // in [0.5, 1)
        if (m <= 0.707106781186547524400844362104849039f)
        {
            m += m;
            exponent -= 1f;
        }
        m -= 1f;
        float num = MathF.FusedMultiplyAdd(2.589979117907922693523e-02f, m, 3.808837741388407920751e-01f);
        num = MathF.FusedMultiplyAdd(num, m, 1.480000633576506585156e+00f);
        num = MathF.FusedMultiplyAdd(num, m, 2.112677543073053063722e+00f);
        num = MathF.FusedMultiplyAdd(num, m, 9.999999999999998702752e-01f);
        num = MathF.FusedMultiplyAdd(num, m, 0f);
        float den = MathF.FusedMultiplyAdd(5.875095403124574342950e-03f, m, 1.546476374983906719538e-01f);
        den = MathF.FusedMultiplyAdd(den, m, 9.864942958519418960339e-01f);
        den = MathF.FusedMultiplyAdd(den, m, 2.453006071784736363091e+00f);
        den = MathF.FusedMultiplyAdd(den, m, 2.612677543073109236779e+00f);
        den = MathF.FusedMultiplyAdd(den, m, 1f);
        return MathF.FusedMultiplyAdd(exponent, 0.693147180559945309417232121458176568f, num / den);
    }

    /// <summary><c>np.round</c>: halves go to the even neighbour.</summary>
    public static double Round(double x) => Math.Round(x, MidpointRounding.ToEven);
}
