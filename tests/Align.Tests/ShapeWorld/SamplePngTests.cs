using Align.Imaging;
using Align.ShapeWorld;
using Xunit.Abstractions;

namespace Align.Tests.ShapeWorld;

/// <summary>Writes sample renders with their captions to bin/.../shapeworld-samples/ for a person to look at.</summary>
public class SamplePngTests(ITestOutputHelper output)
{
    [Fact]
    public void WritesSamplesWithCaptions()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "shapeworld-samples");
        Directory.CreateDirectory(dir);
        const int count = 12, scale = 4, side = 64;
        var captions = new List<string>();
        // A sheet: clean renders on the top row of each pair, their degraded versions below, nearest-neighbour ×4.
        int columns = 6, rows = count / columns * 2, cell = side * scale + 4;
        var sheet = new byte[3 * columns * cell * rows * cell];
        for (int i = 0; i < count; i++)
        {
            CaptionedScene e = CaptionedScenes.Generate(Split.Train, 42, i, Vocabulary.Categories[i % Vocabulary.Categories.Count]);
            RgbImage clean = SceneRenderer.Render(e.Scene), degraded = Degradations.Degrade(clean, i);
            string name = $"{i:D2}-{e.Prompt.Text.Replace(' ', '_')}";
            File.WriteAllBytes(Path.Combine(dir, name + ".png"), clean.ToPng(new Dictionary<string, string> { ["caption"] = e.Prompt.Text }));
            File.WriteAllBytes(Path.Combine(dir, name + "-degraded.png"), degraded.ToPng());
            captions.Add($"{i:D2} [{e.Prompt.Category}] {e.Prompt.Text} | clean: {Verifier.Verify(e.Prompt.Spec, clean)} | degraded: {Verifier.Verify(e.Prompt.Spec, degraded)}");
            Assert.True(Verifier.Verify(e.Prompt.Spec, clean).Passed);
            int col = i % columns, row = i / columns * 2;
            Blit(clean.ToBytes(), col, row);
            Blit(degraded.ToBytes(), col, row + 1);
        }
        File.WriteAllLines(Path.Combine(dir, "captions.txt"), captions);
        byte[] png = PngEncoder.Encode(sheet, columns * cell, rows * cell, 3);
        File.WriteAllBytes(Path.Combine(dir, "sheet.png"), png);
        Assert.Equal(count * 2 + 2, Directory.GetFiles(dir).Length);
        output.WriteLine($"samples in {dir}");
        foreach (string c in captions) output.WriteLine(c);

        void Blit(byte[] pixels, int col, int row)
        {
            int stride = columns * cell * 3;
            for (int y = 0; y < side * scale; y++)
                for (int x = 0; x < side * scale; x++)
                    for (int c = 0; c < 3; c++)
                        sheet[(row * cell + 2 + y) * stride + (col * cell + 2 + x) * 3 + c] = pixels[3 * (y / scale * side + x / scale) + c];
        }
    }
}
