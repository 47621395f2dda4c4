using System.Buffers.Binary;
using System.Text;

namespace Kindling.Artifacts.Iso;

/// <summary>An ISO image that cannot be read; the message names the sector or record.</summary>
public sealed class IsoFormatException(string message) : Exception(message);

/// <summary>A file or folder in the image: where its bytes start in the .iso file, and how many.</summary>
public sealed record IsoEntry(string Name, bool IsDirectory, long Offset, long Size, DateTimeOffset Modified);

/// <summary>
/// Reads an ISO 9660 (ECMA-119) image in place, without extracting or mounting it: the primary volume's tree
/// with Rock Ridge names (IEEE P1282 / SUSP: NM entries, CE continuations), or the Joliet supplementary tree
/// (UCS-2 names) when there is no Rock Ridge, else plain ISO names without ";1". Every offset and length read from
/// the image is checked against the file, so a corrupt or truncated image gives <see cref="IsoFormatException"/>.
/// Files larger than 4 GiB (multi-extent) are not supported.
/// </summary>
public sealed class IsoImage
{
    private const int Sector = 2048;
    private const int MaxDepth = 64;
    private const int MaxEntries = 1_000_000;
    private readonly Dictionary<string, IsoEntry> _entries = new(StringComparer.Ordinal);

    private readonly Stream? _stream;

    private IsoImage(string path, Stream? stream = null)
    {
        Path = path;
        _stream = stream;
    }

    /// <summary>The .iso file served from.</summary>
    public string Path { get; }

    public string VolumeId { get; private set; } = "";

    /// <summary>"rockridge", "joliet" or "iso9660": which names the tree uses.</summary>
    public string Naming { get; private set; } = "iso9660";

    public int Count => _entries.Count;

    public static IsoImage Open(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        var image = new IsoImage(path);
        image.Load(stream);
        return image;
    }

    /// <summary>Reads an image from any seekable stream (tests, fuzzing).</summary>
    public static IsoImage Read(Stream stream)
    {
        var image = new IsoImage("<stream>", stream);
        image.Load(stream);
        return image;
    }

    /// <summary>A file or folder by path ('/'-separated, no leading slash; "" is the root).</summary>
    public IsoEntry? Find(string path) => _entries.GetValueOrDefault(path.Trim('/'));

    /// <summary>The files under a folder, recursively, as paths relative to the image root, in ordinal order.</summary>
    public IEnumerable<(string Path, IsoEntry Entry)> Files(string folder = "")
    {
        var prefix = folder.Trim('/');
        return _entries.Where(p => !p.Value.IsDirectory && (prefix.Length == 0 || p.Key.StartsWith(prefix + "/", StringComparison.Ordinal)))
            .OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value));
    }

    /// <summary>Reads a small file of the image whole (.treeinfo, .discinfo).</summary>
    public byte[]? ReadSmallFile(string path)
    {
        var entry = Find(path);
        if (entry is null || entry.IsDirectory || entry.Size > 1024 * 1024)
        {
            return null;
        }

        var buffer = new byte[entry.Size];
        if (_stream is not null)
        {
            _stream.Position = entry.Offset;
            _stream.ReadExactly(buffer);
            return buffer;
        }

        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        stream.Position = entry.Offset;
        stream.ReadExactly(buffer);
        return buffer;
    }

    private void Load(Stream stream)
    {
        var length = stream.Length;
        byte[]? primary = null, joliet = null;
        for (var sector = 16; sector < 16 + 64; sector++)
        {
            var descriptor = ReadAt(stream, (long)sector * Sector, Sector, length, $"volume descriptor at sector {sector}");
            if (descriptor[1] != 'C' || descriptor[2] != 'D' || descriptor[3] != '0' || descriptor[4] != '0' || descriptor[5] != '1')
            {
                throw new IsoFormatException($"sector {sector}: no 'CD001' volume descriptor: not an ISO 9660 image");
            }

            if (descriptor[0] == 255)
            {
                break;
            }

            if (descriptor[0] == 1 && primary is null)
            {
                primary = descriptor;
            }
            else if (descriptor[0] == 2 && descriptor[88] == 0x25 && descriptor[89] == 0x2F && descriptor[90] is 0x40 or 0x43 or 0x45)
            {
                joliet = descriptor;
            }
        }

        if (primary is null)
        {
            throw new IsoFormatException("no primary volume descriptor before the terminator");
        }

        VolumeId = Encoding.ASCII.GetString(primary, 40, 32).Trim();
        var root = primary.AsSpan(156, 34).ToArray();
        var rockRidge = HasRockRidge(stream, root, length);
        if (!rockRidge && joliet is not null)
        {
            Naming = "joliet";
            root = joliet.AsSpan(156, 34).ToArray();
        }
        else if (rockRidge)
        {
            Naming = "rockridge";
        }

        var rootRecord = ParseRecord(root, 0, "root directory record");
        _entries[""] = new IsoEntry("", true, rootRecord.Offset, rootRecord.Size, rootRecord.Modified);
        Walk(stream, length, "", rootRecord, Naming, 0, []);
    }

    /// <summary>Adds the entries of a folder, and of the folders in it, to the index.</summary>
    private void Walk(Stream stream, long length, string path, Record directory, string naming, int depth, HashSet<long> visited)
    {
        var data = ReadFolder(stream, length, path, directory, depth, visited);
        var position = 0;
        var index = 0;
        while (position < data.Length)
        {
            var recordLength = data[position];
            if (recordLength == 0)
            {
                // Records never cross a sector: skip to the next one.
                position = (position / Sector + 1) * Sector;
                continue;
            }

            if (recordLength < 34 || position + recordLength > data.Length)
            {
                throw new IsoFormatException($"folder '{path}': record at byte {position} has length {recordLength}, past the folder's end");
            }

            var record = ParseRecord(data.AsSpan(position, recordLength).ToArray(), position, $"folder '{path}'");
            position += recordLength;
            if (index++ < 2)
            {
                continue; // "." and ".."
            }

            var name = EntryName(stream, length, path, record, naming);
            if (!record.IsDirectory && record.Offset + record.Size > length)
            {
                throw new IsoFormatException($"'{path}/{name}': file extent ends at byte {record.Offset + record.Size}, past the image's {length} bytes (truncated image?)");
            }

            var childPath = path.Length == 0 ? name : path + "/" + name;
            var entry = new IsoEntry(name, record.IsDirectory, record.Offset, record.Size, record.Modified);
            if (_entries.Count >= MaxEntries)
            {
                throw new IsoFormatException($"more than {MaxEntries} entries");
            }

            _entries[childPath] = entry;
            if (record.IsDirectory)
            {
                Walk(stream, length, childPath, record, naming, depth + 1, visited);
            }
        }
    }

    /// <summary>A folder's records, refused when nested too deep, visited before (a loop) or implausibly large.</summary>
    private static byte[] ReadFolder(Stream stream, long length, string path, Record directory, int depth, HashSet<long> visited)
    {
        if (depth > MaxDepth)
        {
            throw new IsoFormatException($"'{path}': folders nested deeper than {MaxDepth}");
        }

        if (!visited.Add(directory.Offset))
        {
            throw new IsoFormatException($"'{path}': folder extent at byte {directory.Offset} is visited twice (a loop)");
        }

        if (directory.Size > 64L * 1024 * 1024)
        {
            throw new IsoFormatException($"'{path}': folder of {directory.Size} bytes is implausibly large");
        }

        return ReadAt(stream, directory.Offset, (int)directory.Size, length, $"folder '{path}'");
    }

    /// <summary>An entry's name as the image's naming (Rock Ridge, Joliet or plain ISO 9660) gives it; refused when not a valid file name.</summary>
    private static string EntryName(Stream stream, long length, string path, Record record, string naming)
    {
        var name = naming switch
        {
            "rockridge" => RockRidgeName(stream, length, record) ?? IsoName(record.Identifier),
            "joliet" => Encoding.BigEndianUnicode.GetString(record.Identifier).Split(';')[0],
            _ => IsoName(record.Identifier),
        };
        if (name.Length == 0 || name is "." or ".." || name.Contains('/', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new IsoFormatException($"folder '{path}': entry name '{name}' is not a valid file name");
        }

        return name;
    }

    private readonly record struct Record(long Offset, long Size, bool IsDirectory, DateTimeOffset Modified, byte[] Identifier, byte[] SystemUse);

    private static Record ParseRecord(byte[] record, int at, string where)
    {
        if (record.Length < 34)
        {
            throw new IsoFormatException($"{where}: record at byte {at} is shorter than 34 bytes");
        }

        var extent = BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(2));
        var size = BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(10));
        var flags = record[25];
        if ((flags & 0x80) != 0)
        {
            throw new IsoFormatException($"{where}: record at byte {at} is a multi-extent file (over 4 GiB), which is not supported");
        }

        int nameLength = record[32];
        if (33 + nameLength > record.Length)
        {
            throw new IsoFormatException($"{where}: record at byte {at} has a name longer than the record");
        }

        var identifier = record.AsSpan(33, nameLength).ToArray();
        var systemUseStart = 33 + nameLength + (nameLength % 2 == 0 ? 1 : 0);
        var systemUse = systemUseStart < record.Length ? record.AsSpan(systemUseStart).ToArray() : [];
        return new Record((long)extent * Sector, size, (flags & 0x02) != 0, RecordingTime(record.AsSpan(18, 7)), identifier, systemUse);
    }

    private static DateTimeOffset RecordingTime(ReadOnlySpan<byte> t)
    {
        try
        {
            return new DateTimeOffset(1900 + t[0], Math.Clamp((int)t[1], 1, 12), Math.Clamp((int)t[2], 1, 28), Math.Min((int)t[3], 23), Math.Min((int)t[4], 59), Math.Min((int)t[5], 59),
                TimeSpan.FromMinutes(15 * Math.Clamp((sbyte)t[6], (sbyte)-48, (sbyte)52)));
        }
        catch (ArgumentException)
        {
            return DateTimeOffset.UnixEpoch;
        }
    }

    private static string IsoName(byte[] identifier)
    {
        var name = Encoding.ASCII.GetString(identifier);
        var semicolon = name.IndexOf(';', StringComparison.Ordinal);
        if (semicolon >= 0)
        {
            name = name[..semicolon];
        }

        return name.TrimEnd('.');
    }

    /// <summary>Rock Ridge is in use when the root's "." record carries the SUSP "SP" entry followed by an "RR"/"ER"/"NM".</summary>
    private static bool HasRockRidge(Stream stream, byte[] rootRecord, long length)
    {
        var root = ParseRecord(rootRecord, 0, "root directory record");
        if (root.Size < 34)
        {
            return false;
        }

        var first = ReadAt(stream, root.Offset, (int)Math.Min(root.Size, Sector), length, "root folder");
        if (first[0] < 34 || first[0] > first.Length)
        {
            return false;
        }

        var dot = ParseRecord(first.AsSpan(0, first[0]).ToArray(), 0, "root '.' record");
        return dot.SystemUse.Length >= 7 && dot.SystemUse[0] == 'S' && dot.SystemUse[1] == 'P' && dot.SystemUse[4] == 0xBE && dot.SystemUse[5] == 0xEF;
    }

    /// <summary>The Rock Ridge NM name, following CE continuation areas (bounded).</summary>
    private static string? RockRidgeName(Stream stream, long length, Record record)
    {
        var name = new StringBuilder();
        var area = record.SystemUse;
        var found = false;
        for (var hops = 0; hops < 16 && area.Length > 0; hops++)
        {
            byte[]? next = null;
            var at = 0;
            while (at + 4 <= area.Length)
            {
                int entryLength = area[at + 2];
                if (entryLength < 4 || at + entryLength > area.Length)
                {
                    break;
                }

                var signature = (char)area[at] + "" + (char)area[at + 1];
                if (signature == "NM" && entryLength >= 5)
                {
                    var flags = area[at + 4];
                    if ((flags & 0x06) == 0)
                    {
                        name.Append(Encoding.UTF8.GetString(area, at + 5, entryLength - 5));
                        found = true;
                    }
                }
                else if (signature == "CE" && entryLength >= 28)
                {
                    var block = BinaryPrimitives.ReadUInt32LittleEndian(area.AsSpan(at + 4));
                    var offset = BinaryPrimitives.ReadUInt32LittleEndian(area.AsSpan(at + 12));
                    var size = BinaryPrimitives.ReadUInt32LittleEndian(area.AsSpan(at + 20));
                    if (size is > 0 and <= Sector * 4)
                    {
                        next = ReadAt(stream, (long)block * Sector + offset, (int)size, length, "Rock Ridge continuation area");
                    }
                }
                else if (signature == "ST")
                {
                    break;
                }

                at += entryLength;
            }

            area = next ?? [];
        }

        return found ? name.ToString() : null;
    }

    private static byte[] ReadAt(Stream stream, long offset, int count, long length, string what)
    {
        if (offset < 0 || count < 0 || offset + count > length)
        {
            throw new IsoFormatException($"{what}: bytes {offset}-{offset + count} lie past the image's end ({length} bytes): truncated or corrupt image");
        }

        var buffer = new byte[count];
        stream.Position = offset;
        stream.ReadExactly(buffer);
        return buffer;
    }
}
