using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;

namespace Kindling.Installer.Package;

/// <summary>
/// Reads a gzip'd tar (POSIX.1-2001 pax / GNU / ustar, RFC 1952 gzip) from start to end, streaming, and says whether it
/// is whole. .NET's GZipStream reports a cut-off stream as a normal end, so the gzip trailer (CRC-32 and length of the
/// decompressed data, RFC 1952 section 2.3.1) is checked against what was read: a truncated archive never passes.
/// A multi-member gzip is reported as damaged (kubean and <c>tar czf</c> write one member).
/// </summary>
internal static class TarGzArchive
{
    /// <summary>Walks every entry; <paramref name="onEntry"/> may read the entry's data (until the next entry).</summary>
    /// <returns>null when the archive is whole and valid, else what is wrong with it.</returns>
    public static string? Walk(Stream compressed, Action<TarEntry>? onEntry = null) => Walk(compressed, onEntry, out _);

    public static string? Walk(Stream compressed, Action<TarEntry>? onEntry, out int entries)
    {
        entries = 0;
        var raw = new ReadThroughStream(compressed, hash: false);
        using var gzip = new GZipStream(raw, CompressionMode.Decompress, leaveOpen: true);
        using var plain = new ReadThroughStream(gzip, hash: false, crc: true);
        try
        {
            using (var reader = new TarReader(plain, leaveOpen: true))
            {
                while (reader.GetNextEntry() is { } entry)
                {
                    entries++;
                    onEntry?.Invoke(entry);
                }
            }

            plain.Drain(); // the end-of-archive blocks and record padding, so the CRC covers all of it
            raw.Drain();
        }
        catch (InvalidDataException e)
        {
            return $"not a valid gzip'd tar ({e.Message.TrimEnd('.')})";
        }
        catch (EndOfStreamException)
        {
            return "truncated: the archive ends inside an entry";
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException or NotSupportedException or IOException)
        {
            // System.Formats.Tar reports a damaged header with any of these.
            return $"not a valid tar ({e.GetType().Name}: {e.Message.TrimEnd('.')})";
        }

        if (raw.Consumed < 18 || raw.Tail.Length < 8)
        {
            return "truncated: too short to be a gzip'd tar";
        }

        var crc = BinaryPrimitives.ReadUInt32LittleEndian(raw.Tail);
        var size = BinaryPrimitives.ReadUInt32LittleEndian(raw.Tail[4..]);
        if (crc != plain.Crc32 || size != (uint)plain.Consumed)
        {
            return $"truncated or damaged: the gzip trailer (CRC-32 {crc:x8}, {size} bytes) does not match the {plain.Consumed} bytes decompressed (CRC-32 {plain.Crc32:x8})";
        }

        return null;
    }

    /// <summary>An entry name without a leading "./", with forward slashes.</summary>
    public static string CleanName(string name)
    {
        var n = name.Replace('\\', '/');
        while (n.StartsWith("./", StringComparison.Ordinal))
        {
            n = n[2..];
        }

        return n;
    }
}
