using Align.Imaging;
using Align.ShapeWorld;
using Torch;

namespace Align.Tests.ShapeWorld;

public class RendererTests
{
    private static Scene Example(int seed) => CaptionedScenes.Generate(Split.Train, seed, 0).Scene;

    [Fact]
    public void SameSeedSameImage()
    {
        for (int seed = 0; seed < 20; seed++)
        {
            Scene a = Example(seed), b = Example(seed);
            Assert.Equal(a.ToString(), b.ToString());
            Assert.Equal(SceneRenderer.Render(a).ToBytes(), SceneRenderer.Render(b).ToBytes());
            Assert.Equal(Degradations.Degrade(SceneRenderer.Render(a), seed).Data, Degradations.Degrade(SceneRenderer.Render(b), seed).Data);
        }
        Assert.NotEqual(SceneRenderer.Render(Example(1)).ToBytes(), SceneRenderer.Render(Example(2)).ToBytes());
    }

    [Fact]
    public void EdgesBlendObjectAndBackground()
    {
        var scene = new Scene([new SceneObject(Shape.Circle, Colour.Red, ObjectSize.Large, 0.5, 0.5)]);
        RgbImage image = SceneRenderer.Render(scene);
        var (br, bg, bb) = Palette.BackgroundUnit;
        var (r, g, b) = Palette.Unit(Colour.Red);
        int pure = 0, blended = 0;
        for (int p = 0; p < image.Width * image.Height; p++)
        {
            float pr = image.Data[3 * p], pg = image.Data[3 * p + 1], pb = image.Data[3 * p + 2];
            double t = (pr - br) / (r - br);
            if (t > 1e-6 && t < 1 - 1e-6)
            {
                blended++;
                // A blend lies on the background→red segment with the same weight in every channel.
                Assert.Equal(bg + t * (g - bg), pg, 1e-5);
                Assert.Equal(bb + t * (b - bb), pb, 1e-5);
            }
            else if (t >= 1 - 1e-6) pure++;
        }
        // The circle's rim (circumference ≈ 2π·9 px) is partly covered; the interior is pure red.
        Assert.InRange(blended, 30, 90);
        Assert.InRange(pure, 200, 260);
        // Coverage sums to the disc's area: π·(0.14·64)² ≈ 252 pixels.
        double area = Enumerable.Range(0, 64 * 64).Sum(p => (image.Data[3 * p] - br) / (r - br));
        Assert.Equal(Math.PI * Math.Pow(0.14 * 64, 2), area, 2.0);
    }

    [Fact]
    public void SampledScenesDoNotOverlapAndStayInside()
    {
        for (int i = 0; i < 500; i++)
        {
            Scene scene = CaptionedScenes.Generate(Split.Train, 11, i, Category.Counting).Scene;
            for (int a = 0; a < scene.Objects.Count; a++)
            {
                Assert.True(Scene.InsideCanvas(scene.Objects[a]));
                for (int b = 0; b < a; b++) Assert.True(Scene.Apart(scene.Objects[a], scene.Objects[b]), scene.ToString());
            }
            // No pixel mixes two objects: every pixel is one colour blended with the background.
            RgbImage image = SceneRenderer.Render(scene, 32);
            var (br, bg, bb) = Palette.BackgroundUnit;
            for (int p = 0; p < 32 * 32; p++)
            {
                float pr = image.Data[3 * p], pg = image.Data[3 * p + 1], pb = image.Data[3 * p + 2];
                bool explained = scene.Objects.Any(o =>
                {
                    var (r, g, b) = Palette.Unit(o.Colour);
                    double t = ((pr - br) * (r - br) + (pg - bg) * (g - bg) + (pb - bb) * (b - bb)) / ((r - br) * (r - br) + (g - bg) * (g - bg) + (b - bb) * (b - bb));
                    return Math.Abs(pr - br - t * (r - br)) + Math.Abs(pg - bg - t * (g - bg)) + Math.Abs(pb - bb - t * (b - bb)) < 1e-4;
                });
                Assert.True(explained, $"pixel {p} of {scene}");
            }
        }
    }

    [Fact]
    public void SceneRefusesOverlapAndEdges()
    {
        var a = new SceneObject(Shape.Square, Colour.Blue, ObjectSize.Large, 0.3, 0.3);
        Assert.Contains("overlap", Assert.Throws<ArgumentException>(() => new Scene([a, a with { X = 0.45 }])).Message);
        Assert.Contains("inside the canvas", Assert.Throws<ArgumentException>(() => new Scene([a with { X = 0.1 }])).Message);
        Assert.Throws<ArgumentException>(() => new Scene([]));
    }

    [Fact]
    public void TensorAndBytesAgree()
    {
        using var scope = torch.NewDisposeScope();
        RgbImage image = Degradations.Degrade(SceneRenderer.Render(Example(3), 48), 5);
        Tensor t = image.ToTensor();
        Assert.Equal(new long[] { 3, 48, 48 }, t.Shape);
        Assert.Equal(DType.Float32, t.DType);
        (byte[] pixels, int w, int h, int c) = ImageConversion.ToBytes(t);
        Assert.Equal((48, 48, 3), (w, h, c));
        Assert.Equal(image.ToBytes(), pixels);
        Assert.Equal(image.Data, RgbImage.FromTensor(t).Data);
        Assert.Equal(image.ToBytes(), RgbImage.FromBytes(pixels, 48, 48).ToBytes());
        // Channel-first: the tensor's [0, y, x] is the red value of pixel (x, y).
        Assert.Equal(image.Data[3 * (10 * 48 + 20)], t[0, 10, 20].ToDouble(), 6);
        Assert.Equal(image.Data[3 * (10 * 48 + 20) + 2], t[2, 10, 20].ToDouble(), 6);
    }

    [Fact]
    public void SizeIsConfigurable()
    {
        Scene scene = Example(4);
        RgbImage big = SceneRenderer.Render(scene, 128);
        Assert.Equal((128, 128, 3 * 128 * 128), (big.Width, big.Height, big.Data.Length));
        var found = ShapeDetector.Detect(big).Select(d => (d.Shape, d.Colour)).Order().ToArray();
        Assert.Equal(scene.Objects.Select(o => (o.Shape, o.Colour)).Order().ToArray(), found);
    }
}
