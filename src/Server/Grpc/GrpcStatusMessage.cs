using System.Text;

namespace Server.Grpc;

/// <summary>
/// The grpc-message value: the UTF-8 bytes of the message with every byte outside printable ASCII (0x20-0x7E), and '%'
/// itself, written as %XX (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md#responses).
/// </summary>
public static class GrpcStatusMessage
{
    public const string Header = "grpc-message";

    public static string Encode(string message)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(message);
        var text = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%') text.Append((char)b);
            else text.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }
}
