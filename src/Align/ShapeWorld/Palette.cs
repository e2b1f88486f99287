namespace Align.ShapeWorld;

/// <summary>The fixed colours of the world: six object colours, far apart in RGB, on a dark grey background.</summary>
public static class Palette
{
    public static readonly (byte R, byte G, byte B) Background = (48, 48, 48);

    public static (byte R, byte G, byte B) Rgb(Colour colour) => colour switch
    {
        Colour.Red => (220, 30, 30),
        Colour.Green => (30, 190, 50),
        Colour.Blue => (40, 80, 240),
        Colour.Yellow => (240, 220, 40),
        Colour.Purple => (170, 40, 190),
        Colour.White => (240, 240, 240),
        _ => throw new ArgumentOutOfRangeException(nameof(colour)),
    };

    /// <summary>The colour as floats in [0, 1].</summary>
    public static (float R, float G, float B) Unit(Colour colour)
    {
        var (r, g, b) = Rgb(colour);
        return (r / 255f, g / 255f, b / 255f);
    }

    public static (float R, float G, float B) BackgroundUnit => (Background.R / 255f, Background.G / 255f, Background.B / 255f);
}
