using System.Buffers.Binary;
using Align.Imaging.Jpeg;

namespace Align.Imaging;

/// <summary>
/// Reads baseline and extended sequential Huffman JPEGs (ITU T.81; SOF0/SOF1) at 8 bits to 8-bit RGB, as
/// <see cref="PngDecoder"/> returns images: one (grey) or three (YCbCr, or RGB where an Adobe marker or the component ids say
/// so) components at any whole-number sampling factors, interleaved or one scan per component, restart intervals; APPn
/// (JFIF, EXIF, ICC…) and comments are skipped. Progressive, lossless, hierarchical and arithmetic-coded JPEGs, other
/// precisions than 8 bits and CMYK are refused with an <see cref="InvalidDataException"/> naming what is not supported.
/// </summary>
public static class JpegDecoder
{
    /// <summary>The most pixels an image may have (2^28, e.g. 16384 × 16384): its planes and RGB stay well inside array limits.</summary>
    public const long MaxPixels = 1L << 28;

    /// <summary>JPEG bytes → interleaved row-major RGB bytes and the size.</summary>
    /// <exception cref="InvalidDataException">not a JPEG, damaged, truncated, or of a kind not read here</exception>
    public static (byte[] Rgb, int Width, int Height) DecodeRgb(ReadOnlySpan<byte> jpeg)
    {
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8) throw new InvalidDataException("not a JPEG file (no SOI marker)");
        return new Reader(jpeg.ToArray()).Read();
    }

    private sealed class Reader(byte[] data)
    {
        private readonly int[]?[] _quant = new int[4][];
        private readonly HuffmanTable?[] _dc = new HuffmanTable[4], _ac = new HuffmanTable[4];
        private JpegFrame? _frame;
        private int _restartInterval, _scans;
        private bool _jfif;
        private int? _adobeTransform;

        public (byte[] Rgb, int Width, int Height) Read()
        {
            int at = 2;
            while (true)
            {
                (byte marker, at) = NextMarker(at);
                if (marker == 0xD9) break; // EOI
                if (marker is 0xD8 or (>= 0xD0 and <= 0xD7) or 0x01) continue; // SOI again, a stray RSTn, TEM: no segment
                if (at + 2 > data.Length) throw Truncated();
                int length = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(at));
                if (length < 2 || at + length > data.Length) throw Truncated();
                ReadOnlySpan<byte> segment = data.AsSpan(at + 2, length - 2);
                int next = at + length;
                switch (marker)
                {
                    case 0xC0 or 0xC1:
                        ReadFrame(segment, marker);
                        break;
                    case 0xC2 or 0xC6 or 0xCA or 0xCE:
                        throw Unsupported($"progressive JPEG (SOF{marker - 0xC0})");
                    case 0xC3 or 0xC7 or 0xCB or 0xCF:
                        throw Unsupported($"lossless JPEG (SOF{marker - 0xC0})");
                    case 0xC5:
                        throw Unsupported("hierarchical JPEG (SOF5)");
                    case 0xC9 or 0xCD:
                        throw Unsupported($"arithmetic-coded JPEG (SOF{marker - 0xC0})");
                    case 0xCC:
                        throw Unsupported("arithmetic-coded JPEG (DAC)");
                    case 0xC4:
                        ReadHuffmanTables(segment);
                        break;
                    case 0xDB:
                        ReadQuantTables(segment);
                        break;
                    case 0xDD:
                        if (segment.Length < 2) throw Damaged("a short DRI segment");
                        _restartInterval = BinaryPrimitives.ReadUInt16BigEndian(segment);
                        break;
                    case 0xDA:
                        next = ReadScan(segment, next);
                        break;
                    case 0xE0:
                        _jfif |= segment.StartsWith("JFIF\0"u8);
                        break;
                    case 0xEE:
                        // Adobe's APP14: the transform byte says whether three components are YCbCr (1) or RGB (0)
                        if (segment.Length >= 12 && segment.StartsWith("Adobe"u8)) _adobeTransform = segment[11];
                        break;
                }
                at = next;
            }
            if (_frame is null) throw Damaged("no frame header (SOF)");
            if (_scans == 0) throw Damaged("no image data (SOS)");
            return (ToRgb(_frame), _frame.Width, _frame.Height);
        }

        // A marker is FF xx (xx not 00 or FF), optionally after FF fill bytes (§B.1.1.2); bytes before it are skipped.
        private (byte Marker, int After) NextMarker(int at)
        {
            while (at + 1 < data.Length)
            {
                if (data[at] == 0xFF && data[at + 1] is not (0x00 or 0xFF)) return (data[at + 1], at + 2);
                at++;
            }
            if (_frame is not null && _scans > 0) return (0xD9, data.Length); // no EOI after complete scans: as libjpeg, accept
            throw Truncated();
        }

        // SOF (§B.2.2): precision, height, width, then per component its id, sampling factors and quantisation table.
        private void ReadFrame(ReadOnlySpan<byte> segment, byte marker)
        {
            if (_frame is not null) throw Damaged("a second frame header");
            if (segment.Length < 6) throw Damaged("a short frame header");
            int precision = segment[0];
            if (precision != 8) throw Unsupported($"{precision}-bit JPEG (8-bit only)");
            int height = BinaryPrimitives.ReadUInt16BigEndian(segment[1..]), width = BinaryPrimitives.ReadUInt16BigEndian(segment[3..]);
            int count = segment[5];
            if (count == 4) throw Unsupported("CMYK (four-component) JPEG");
            if (count is not (1 or 3)) throw Unsupported($"{count}-component JPEG (grey or three-component colour only)");
            if (height == 0) throw Unsupported("a JPEG whose height is defined later (DNL)");
            if (width == 0) throw Damaged("an image width of 0");
            if ((long)width * height > MaxPixels) throw Unsupported($"a {width}×{height} JPEG (more than {MaxPixels} pixels)");
            if (segment.Length < 6 + 3 * count) throw Damaged("a short frame header");
            var components = new List<JpegComponent>();
            for (int i = 0; i < count; i++)
            {
                ReadOnlySpan<byte> c = segment.Slice(6 + 3 * i, 3);
                int h = c[1] >> 4, v = c[1] & 15;
                if (h is < 1 or > 4 || v is < 1 or > 4) throw Damaged($"sampling factors {h}×{v}");
                if (c[2] > 3) throw Damaged($"quantisation table {c[2]}");
                components.Add(new JpegComponent(c[0], h, v, c[2]));
            }
            _frame = new JpegFrame(width, height, components);
        }

        // DHT (§B.2.4.2): one or more tables, each class (0 DC, 1 AC) and id, 16 length counts, then the symbols.
        private void ReadHuffmanTables(ReadOnlySpan<byte> segment)
        {
            while (segment.Length > 0)
            {
                if (segment.Length < 17) throw Damaged("a short DHT segment");
                int tableClass = segment[0] >> 4, id = segment[0] & 15;
                if (tableClass > 1 || id > 3) throw Damaged($"Huffman table class {tableClass} id {id}");
                ReadOnlySpan<byte> counts = segment.Slice(1, 16);
                int symbols = 0;
                foreach (byte count in counts) symbols += count;
                if (symbols > 256 || segment.Length < 17 + symbols) throw Damaged("a short DHT segment");
                var table = new HuffmanTable(counts, segment.Slice(17, symbols));
                (tableClass == 0 ? _dc : _ac)[id] = table;
                segment = segment[(17 + symbols)..];
            }
        }

        // DQT (§B.2.4.1): precision (0: 8-bit, 1: 16-bit entries) and id, then 64 entries in zig-zag order.
        private void ReadQuantTables(ReadOnlySpan<byte> segment)
        {
            while (segment.Length > 0)
            {
                int precision = segment[0] >> 4, id = segment[0] & 15;
                int size = precision == 0 ? 64 : 128;
                if (precision > 1 || id > 3) throw Damaged($"quantisation table precision {precision} id {id}");
                if (segment.Length < 1 + size) throw Damaged("a short DQT segment");
                var table = new int[64];
                for (int k = 0; k < 64; k++)
                    table[k] = precision == 0 ? segment[1 + k] : BinaryPrimitives.ReadUInt16BigEndian(segment[(1 + 2 * k)..]);
                _quant[id] = table;
                segment = segment[(1 + size)..];
            }
        }

        // SOS (§B.2.3): the scan's components with their tables, then the spectral selection, which must be 0–63 with no
        // successive approximation in a sequential JPEG. The entropy-coded data follows the header.
        private int ReadScan(ReadOnlySpan<byte> segment, int dataStart)
        {
            JpegFrame frame = _frame ?? throw Damaged("a scan before the frame header");
            if (segment.Length < 1) throw Damaged("a short scan header");
            int count = segment[0];
            if (count is < 1 or > 4 || segment.Length < 1 + 2 * count + 3) throw Damaged("a short scan header");
            var scan = new List<ScanComponent>();
            for (int i = 0; i < count; i++)
            {
                int id = segment[1 + 2 * i], tables = segment[2 + 2 * i];
                JpegComponent component = frame.Components.FirstOrDefault(c => c.Id == id) ?? throw Damaged($"a scan of component {id}, which the frame does not have");
                int dcId = tables >> 4, acId = tables & 15;
                // a baseline decoder has four table slots per class (§B.2.3): a higher id is damage, not another slot
                if (dcId > 3 || acId > 3) throw Damaged($"component {id} uses Huffman tables DC {dcId}, AC {acId} (ids 0–3 only)");
                HuffmanTable dc = _dc[dcId] ?? throw Damaged($"component {id} uses DC Huffman table {dcId}, which is not defined");
                HuffmanTable ac = _ac[acId] ?? throw Damaged($"component {id} uses AC Huffman table {acId}, which is not defined");
                scan.Add(new ScanComponent(component, dc, ac));
            }
            int spectralStart = segment[1 + 2 * count], spectralEnd = segment[2 + 2 * count], approximation = segment[3 + 2 * count];
            if (spectralStart != 0 || spectralEnd != 63 || approximation != 0)
                throw Unsupported($"a scan of coefficients {spectralStart}–{spectralEnd} (progressive JPEG)");
            if (count > 1 && scan.Sum(s => s.Component.H * s.Component.V) > 10) throw Damaged("an MCU of more than 10 blocks");
            _scans++;
            return ScanDecoder.Decode(data, dataStart, frame, scan, _quant, _restartInterval);
        }

        private byte[] ToRgb(JpegFrame frame)
        {
            byte[][] planes = frame.Components.Select(c => ChromaUpsampler.Upsample(c, frame)).ToArray();
            if (planes.Length == 3 && !IsRgb(frame)) return YCbCrToRgb.Convert(planes[0], planes[1], planes[2]);
            // grey repeats its one plane in all three channels; RGB components are interleaved as they are
            byte[][] channels = planes.Length == 1 ? [planes[0], planes[0], planes[0]] : planes;
            var rgb = new byte[channels[0].Length * 3];
            for (int i = 0; i < channels[0].Length; i++)
                for (int c = 0; c < 3; c++) rgb[3 * i + c] = channels[c][i];
            return rgb;
        }

        // Three components are YCbCr unless an Adobe marker says "no transform", or, with neither a JFIF nor an Adobe
        // marker, their ids are 'R', 'G', 'B' (the rule libjpeg follows).
        private bool IsRgb(JpegFrame frame)
        {
            if (_jfif) return false;
            if (_adobeTransform is int transform) return transform == 0;
            return frame.Components[0].Id == 'R' && frame.Components[1].Id == 'G' && frame.Components[2].Id == 'B';
        }

        private static InvalidDataException Unsupported(string what) => new($"{what} is not supported");
        private static InvalidDataException Damaged(string what) => new($"damaged JPEG: {what}");
        private static InvalidDataException Truncated() => new("truncated JPEG file");
    }
}
