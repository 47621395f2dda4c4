using System.Buffers.Binary;
using System.Text;

namespace Kindling.Installer.Package.Sample;

/// <summary>
/// An RPM header structure (RPM file format, "Header structure" in rpm's docs/manual/format.md and the LSB's
/// "Package File Format"): magic, index of (tag, type, offset, count) entries sorted by tag, data store with each
/// type's alignment, and an immutable region (tag 62 in the signature header, 63 in the main header) whose trailer
/// closes the data store.
/// </summary>
internal sealed class RpmHeader
{
    private const int TypeInt16 = 3;
    private const int TypeInt32 = 4;
    private const int TypeString = 6;
    private const int TypeBin = 7;
    private const int TypeStringArray = 8;
    private const int TypeI18nString = 9;

    private readonly SortedDictionary<int, (int Type, int Count, byte[] Data)> _entries = [];

    public RpmHeader String(int tag, string value) => Add(tag, TypeString, 1, Z(value));

    public RpmHeader I18n(int tag, string value) => Add(tag, TypeI18nString, 1, Z(value));

    public RpmHeader Strings(int tag, params string[] values) => Add(tag, TypeStringArray, values.Length, values.SelectMany(Z).ToArray());

    public RpmHeader Bin(int tag, byte[] value) => Add(tag, TypeBin, value.Length, value);

    public RpmHeader Int32(int tag, params int[] values)
    {
        var data = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(i * 4), values[i]);
        }

        return Add(tag, TypeInt32, values.Length, data);
    }

    public RpmHeader Int16(int tag, params short[] values)
    {
        var data = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt16BigEndian(data.AsSpan(i * 2), values[i]);
        }

        return Add(tag, TypeInt16, values.Length, data);
    }

    /// <summary>The header's bytes, with <paramref name="regionTag"/> as its immutable region.</summary>
    public byte[] Build(int regionTag)
    {
        var count = _entries.Count + 1;
        using var data = new MemoryStream();
        var index = new List<(int Tag, int Type, int Offset, int Count)>();
        foreach (var (tag, (type, n, bytes)) in _entries)
        {
            var align = type switch { TypeInt16 => 2, TypeInt32 => 4, _ => 1 };
            while (data.Length % align != 0)
            {
                data.WriteByte(0);
            }

            index.Add((tag, type, (int)data.Length, n));
            data.Write(bytes);
        }

        var trailerOffset = (int)data.Length;
        var trailer = new byte[16];
        Entry(trailer, regionTag, TypeBin, -(count * 16), 16);
        data.Write(trailer);
        var store = data.ToArray();
        var header = new byte[16 + count * 16 + store.Length];
        header[0] = 0x8E;
        header[1] = 0xAD;
        header[2] = 0xE8;
        header[3] = 0x01;
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), count);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), store.Length);
        Entry(header.AsSpan(16), regionTag, TypeBin, trailerOffset, 16);
        for (var i = 0; i < index.Count; i++)
        {
            var (tag, type, offset, n) = index[i];
            Entry(header.AsSpan(16 + (i + 1) * 16), tag, type, offset, n);
        }

        store.CopyTo(header, 16 + count * 16);
        return header;
    }

    private RpmHeader Add(int tag, int type, int count, byte[] data)
    {
        _entries[tag] = (type, count, data);
        return this;
    }

    private static void Entry(Span<byte> d, int tag, int type, int offset, int count)
    {
        BinaryPrimitives.WriteInt32BigEndian(d, tag);
        BinaryPrimitives.WriteInt32BigEndian(d[4..], type);
        BinaryPrimitives.WriteInt32BigEndian(d[8..], offset);
        BinaryPrimitives.WriteInt32BigEndian(d[12..], count);
    }

    private static byte[] Z(string value) => [.. Encoding.UTF8.GetBytes(value), 0];
}
