using System.Diagnostics;

namespace Align.Tests.Imaging;

/// <summary>Decodes PNG bytes with Pillow (Debian python3-pil), an independent decoder: mode, size, raw pixels and the "seed" text chunk.</summary>
public static class Pillow
{
    public static (string Mode, int Width, int Height, byte[] Pixels, string SeedText) Decode(byte[] png)
    {
        string path = Path.Combine(Path.GetTempPath(), $"png-test-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(path, png);
        try
        {
            const string script = "import sys\nfrom PIL import Image\nim = Image.open(sys.argv[1]); im.load()\n" +
                                  "sys.stderr.write(f'{im.mode} {im.size[0]} {im.size[1]} {im.info.get(\"seed\", \"\")}')\n" +
                                  "sys.stdout.buffer.write(im.tobytes())\n";
            var psi = new ProcessStartInfo("/usr/bin/python3", ["-c", script, path])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using Process p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start /usr/bin/python3");
            using var pixels = new MemoryStream();
            p.StandardOutput.BaseStream.CopyTo(pixels);
            string info = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"Pillow (Debian python3-pil, installed by scripts/test.sh) failed to decode: {info}");
            string[] parts = info.Split(' ');
            return (parts[0], int.Parse(parts[1]), int.Parse(parts[2]), pixels.ToArray(), parts.Length > 3 ? parts[3] : "");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
