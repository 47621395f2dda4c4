using System.Buffers.Binary;
using System.Text;

namespace Kindling.Installer.Package.Sample;

/// <summary>
/// Writes a small ISO 9660 image (ECMA-119) with Rock Ridge names and modes (SUSP 1.12 SP/ER, RRIP 1.10 "RRIP_1991A"
/// PX/TF/NM) and a Joliet tree (UCS-2 level 3 supplementary volume descriptor), as mkisofs -R -J would, from files
/// held in memory. The 8.3 names of the primary tree are derived; readers use the Rock Ridge or Joliet names.
/// Layout: system area, PVD (16), Joliet SVD (17), terminator (18), path tables, directories, file data.
/// </summary>
internal static class IsoImageWriter
{
    private const int Sector = 2048;
    private const string RripId = "RRIP_1991A";
    private const string RripDescriptor = "THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS";
    private const string RripSource = "PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.";

    private sealed class Node(string name, Node? parent, byte[]? content)
    {
        public string Name { get; } = name;
        public Node? Parent { get; } = parent;
        public byte[]? Content { get; } = content;
        public bool IsDirectory => Content is null;
        public List<Node> Children { get; } = [];
        public string IsoName { get; set; } = "";
        public int Number { get; set; }
        public int Extent { get; set; }
        public int JolietExtent { get; set; }
        public int Size { get; set; }
        public int JolietSize { get; set; }
    }

    public static void Write(string path, string volumeId, IEnumerable<(string Path, byte[] Content)> files)
    {
        var root = BuildTree(files);
        var directories = new List<Node>();
        AssignIsoNames(root);
        CollectBreadthFirst(root, directories);
        for (var i = 0; i < directories.Count; i++)
        {
            directories[i].Number = i + 1;
        }

        var layout = LayOut(directories);
        var image = new byte[(long)layout.Sectors * Sector];
        Volume(image.AsSpan(16 * Sector, Sector), 1, volumeId, layout.Sectors, layout.PathTable, layout.LPath, layout.MPath, root, joliet: false);
        Volume(image.AsSpan(17 * Sector, Sector), 2, volumeId, layout.Sectors, layout.JolietPathTable, layout.JlPath, layout.JmPath, root, joliet: true);
        var terminator = image.AsSpan(18 * Sector, Sector);
        terminator[0] = 255;
        "CD001"u8.CopyTo(terminator[1..]);
        terminator[6] = 1;
        PathTable(directories, false, false).CopyTo(image, layout.LPath * Sector);
        PathTable(directories, false, true).CopyTo(image, layout.MPath * Sector);
        PathTable(directories, true, false).CopyTo(image, layout.JlPath * Sector);
        PathTable(directories, true, true).CopyTo(image, layout.JmPath * Sector);
        foreach (var dir in directories)
        {
            DirectoryBytes(dir, false, false).CopyTo(image, dir.Extent * Sector);
            DirectoryBytes(dir, true, false).CopyTo(image, dir.JolietExtent * Sector);
        }

        foreach (var file in layout.Files)
        {
            file.Content!.CopyTo(image, file.Extent * Sector);
        }

        File.WriteAllBytes(path, image);
    }

    /// <summary>The directory tree of the files' slash-separated paths.</summary>
    private static Node BuildTree(IEnumerable<(string Path, byte[] Content)> files)
    {
        var root = new Node("", null, null);
        foreach (var (filePath, content) in files)
        {
            var parts = filePath.Split('/');
            var dir = root;
            foreach (var part in parts[..^1])
            {
                var child = dir.Children.FirstOrDefault(c => c.IsDirectory && c.Name == part);
                if (child is null)
                {
                    child = new Node(part, dir, null);
                    dir.Children.Add(child);
                }

                dir = child;
            }

            dir.Children.Add(new Node(parts[^1], dir, content));
        }

        return root;
    }

    /// <summary>
    /// Places everything after the volume descriptors (sectors 16-18): the four path tables, the ISO 9660 then the
    /// Joliet directories, then the files (shared by both trees); sets each node's extent and size.
    /// </summary>
    private static Layout LayOut(List<Node> directories)
    {
        var pathTable = PathTable(directories, joliet: false, bigEndian: false).Length;
        var jolietPathTable = PathTable(directories, joliet: true, bigEndian: false).Length;
        var next = 19;
        var lPath = next; next += Sectors(pathTable);
        var mPath = next; next += Sectors(pathTable);
        var jlPath = next; next += Sectors(jolietPathTable);
        var jmPath = next; next += Sectors(jolietPathTable);
        foreach (var dir in directories)
        {
            dir.Size = Sectors(DirectoryBytes(dir, joliet: false, measureOnly: true).Length) * Sector;
            dir.Extent = next;
            next += dir.Size / Sector;
        }

        foreach (var dir in directories)
        {
            dir.JolietSize = Sectors(DirectoryBytes(dir, joliet: true, measureOnly: true).Length) * Sector;
            dir.JolietExtent = next;
            next += dir.JolietSize / Sector;
        }

        var fileNodes = directories.SelectMany(d => d.Children.Where(c => !c.IsDirectory).OrderBy(c => c.IsoName, StringComparer.Ordinal)).ToList();
        foreach (var file in fileNodes)
        {
            file.Extent = next;
            file.JolietExtent = next;
            file.Size = file.Content!.Length;
            file.JolietSize = file.Size;
            next += Math.Max(1, Sectors(file.Size));
        }

        return new Layout(pathTable, jolietPathTable, lPath, mPath, jlPath, jmPath, fileNodes, next);
    }

    /// <summary>Where <see cref="LayOut"/> put the path tables (their sizes and sectors), the files in order, and the image's size in sectors.</summary>
    private sealed record Layout(int PathTable, int JolietPathTable, int LPath, int MPath, int JlPath, int JmPath, List<Node> Files, int Sectors);

    private static int Sectors(int bytes) => (bytes + Sector - 1) / Sector;

    private static void CollectBreadthFirst(Node root, List<Node> into)
    {
        var queue = new Queue<Node>([root]);
        while (queue.TryDequeue(out var dir))
        {
            into.Add(dir);
            foreach (var child in dir.Children.Where(c => c.IsDirectory).OrderBy(c => c.IsoName, StringComparer.Ordinal))
            {
                queue.Enqueue(child);
            }
        }
    }

    /// <summary>ECMA-119 level 1 names (d-characters, 8.3 for files, 8 for folders), unique within their folder.</summary>
    private static void AssignIsoNames(Node dir)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var child in dir.Children.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            var name = child.Name.TrimStart('.');
            var dot = child.IsDirectory ? -1 : name.LastIndexOf('.');
            var stem = Clean(dot < 0 ? name : name[..dot], 8);
            var ext = dot < 0 ? "" : Clean(name[(dot + 1)..], 3);
            var candidate = stem.Length == 0 ? "_" : stem;
            for (var n = 1; !used.Add(Full(candidate, ext, child.IsDirectory)); n++)
            {
                var suffix = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
                candidate = (stem.Length + suffix.Length > 8 ? stem[..(8 - suffix.Length)] : stem) + suffix;
            }

            child.IsoName = Full(candidate, ext, child.IsDirectory);
            if (child.IsDirectory)
            {
                AssignIsoNames(child);
            }
        }

        static string Full(string stem, string ext, bool directory) => directory ? stem : $"{stem}.{ext};1";

        static string Clean(string text, int max)
        {
            var chars = text.ToUpperInvariant().Select(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) ? c : '_').ToArray();
            return new string(chars[..Math.Min(chars.Length, max)]);
        }
    }

    private static byte[] DirectoryBytes(Node dir, bool joliet, bool measureOnly)
    {
        var records = new List<byte[]>
        {
            Record(dir, [0], joliet, self: true, isRoot: dir.Parent is null, measureOnly),
            Record(dir.Parent ?? dir, [1], joliet, self: false, isRoot: false, measureOnly),
        };
        var children = joliet
            ? dir.Children.OrderBy(c => JolietName(c), StringComparer.Ordinal)
            : dir.Children.OrderBy(c => c.IsoName, StringComparer.Ordinal);
        foreach (var child in children)
        {
            var id = joliet ? Encoding.BigEndianUnicode.GetBytes(JolietName(child)) : Encoding.ASCII.GetBytes(child.IsoName);
            records.Add(Record(child, id, joliet, self: false, isRoot: false, measureOnly, rockRidgeName: child.Name));
        }

        // A record never crosses a sector boundary (ECMA-119 6.8.1.1): pad to the next sector instead.
        using var buffer = new MemoryStream();
        foreach (var record in records)
        {
            var offsetInSector = (int)(buffer.Length % Sector);
            if (offsetInSector + record.Length > Sector)
            {
                buffer.Write(new byte[Sector - offsetInSector]);
            }

            buffer.Write(record);
        }

        return buffer.ToArray();
    }

    private static string JolietName(Node node) => node.IsDirectory ? node.Name : node.Name + ";1";

    private static byte[] Record(Node node, byte[] identifier, bool joliet, bool self, bool isRoot, bool measureOnly, string? rockRidgeName = null)
    {
        var systemUse = joliet ? [] : RockRidge(node, isRoot && self, rockRidgeName);
        var length = 33 + identifier.Length + (identifier.Length % 2 == 0 ? 1 : 0) + systemUse.Length;
        length += length % 2;
        if (length > 255)
        {
            throw new InvalidOperationException($"ISO directory record for '{node.Name}' is {length} bytes (max 255)");
        }

        var r = new byte[length];
        r[0] = (byte)length;
        var extent = joliet ? node.JolietExtent : node.Extent;
        var size = joliet ? node.JolietSize : node.Size;
        if (!measureOnly)
        {
            BothEndian32(r.AsSpan(2), (uint)extent);
            BothEndian32(r.AsSpan(10), (uint)size);
        }

        RecordingDate(r.AsSpan(18));
        r[25] = (byte)(node.IsDirectory ? 2 : 0);
        BothEndian16(r.AsSpan(28), 1);
        r[32] = (byte)identifier.Length;
        identifier.CopyTo(r, 33);
        systemUse.CopyTo(r, 33 + identifier.Length + (identifier.Length % 2 == 0 ? 1 : 0));
        return r;
    }

    /// <summary>SUSP/RRIP entries: SP and ER in the root's "." record; PX and TF everywhere; NM with the real name.</summary>
    private static byte[] RockRidge(Node node, bool rootSelf, string? name)
    {
        using var su = new MemoryStream();
        if (rootSelf)
        {
            su.Write([(byte)'S', (byte)'P', 7, 1, 0xBE, 0xEF, 0]);
            var id = Encoding.ASCII.GetBytes(RripId);
            var des = Encoding.ASCII.GetBytes(RripDescriptor);
            var src = Encoding.ASCII.GetBytes(RripSource);
            su.Write([(byte)'E', (byte)'R', (byte)(8 + id.Length + des.Length + src.Length), 1, (byte)id.Length, (byte)des.Length, (byte)src.Length, 1]);
            su.Write(id);
            su.Write(des);
            su.Write(src);
        }

        var px = new byte[36];
        px[0] = (byte)'P';
        px[1] = (byte)'X';
        px[2] = 36;
        px[3] = 1;
        var mode = node.IsDirectory ? 0x4000 | 0b111_101_101 : 0x8000 | 0b110_100_100;
        var links = node.IsDirectory ? 2 + node.Children.Count(c => c.IsDirectory) : 1;
        BothEndian32(px.AsSpan(4), (uint)mode);
        BothEndian32(px.AsSpan(12), (uint)links);
        su.Write(px);
        if (!rootSelf)
        {
            var tf = new byte[5 + 3 * 7];
            tf[0] = (byte)'T';
            tf[1] = (byte)'F';
            tf[2] = (byte)tf.Length;
            tf[3] = 1;
            tf[4] = 0x0E; // modify, access, attributes
            for (var i = 0; i < 3; i++)
            {
                RecordingDate(tf.AsSpan(5 + 7 * i));
            }

            su.Write(tf);
        }

        if (name is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(name);
            su.Write([(byte)'N', (byte)'M', (byte)(5 + bytes.Length), 1, 0]);
            su.Write(bytes);
        }

        return su.ToArray();
    }

    private static byte[] PathTable(List<Node> directories, bool joliet, bool bigEndian)
    {
        using var table = new MemoryStream();
        foreach (var dir in directories)
        {
            var id = dir.Parent is null ? [0] : joliet ? Encoding.BigEndianUnicode.GetBytes(dir.Name) : Encoding.ASCII.GetBytes(dir.IsoName);
            var record = new byte[8 + id.Length + (id.Length % 2)];
            record[0] = (byte)id.Length;
            var extent = (uint)(joliet ? dir.JolietExtent : dir.Extent);
            var parent = (ushort)(dir.Parent?.Number ?? 1);
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt32BigEndian(record.AsSpan(2), extent);
                BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(6), parent);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(2), extent);
                BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(6), parent);
            }

            id.CopyTo(record, 8);
            table.Write(record);
        }

        return table.ToArray();
    }

    private static void Volume(Span<byte> d, byte type, string volumeId, int totalSectors, int pathTableSize, int lPath, int mPath, Node root, bool joliet)
    {
        d[0] = type;
        "CD001"u8.CopyTo(d[1..]);
        d[6] = 1;
        Text(d.Slice(8, 32), "LINUX", joliet);
        Text(d.Slice(40, 32), volumeId, joliet);
        BothEndian32(d[80..], (uint)totalSectors);
        if (joliet)
        {
            d[88] = 0x25;
            d[89] = 0x2F;
            d[90] = 0x45; // "%/E": UCS-2 level 3
        }

        BothEndian16(d[120..], 1);
        BothEndian16(d[124..], 1);
        BothEndian16(d[128..], Sector);
        BothEndian32(d[132..], (uint)pathTableSize);
        BinaryPrimitives.WriteUInt32LittleEndian(d[140..], (uint)lPath);
        BinaryPrimitives.WriteUInt32BigEndian(d[148..], (uint)mPath);
        var rootRecord = d.Slice(156, 34);
        rootRecord[0] = 34;
        BothEndian32(rootRecord[2..], (uint)(joliet ? root.JolietExtent : root.Extent));
        BothEndian32(rootRecord[10..], (uint)(joliet ? root.JolietSize : root.Size));
        RecordingDate(rootRecord[18..]);
        rootRecord[25] = 2;
        BothEndian16(rootRecord[28..], 1);
        rootRecord[32] = 1;
        Text(d.Slice(190, 128), "", joliet);
        Text(d.Slice(318, 128), "KINDLING", joliet);
        Text(d.Slice(446, 128), "KINDLING PACKAGE SAMPLE", joliet);
        Text(d.Slice(574, 128), "KINDLING", joliet);
        Text(d.Slice(702, 37), "", joliet);
        Text(d.Slice(739, 37), "", joliet);
        Text(d.Slice(776, 37), "", joliet);
        var stamp = Encoding.ASCII.GetBytes(TarGzWriter.Epoch.UtcDateTime.ToString("yyyyMMddHHmmss00", System.Globalization.CultureInfo.InvariantCulture));
        stamp.CopyTo(d[813..]);
        stamp.CopyTo(d[830..]);
        "0000000000000000"u8.CopyTo(d[847..]);
        stamp.CopyTo(d[864..]);
        d[881] = 1;
    }

    private static void Text(Span<byte> field, string text, bool joliet)
    {
        if (joliet)
        {
            for (var i = 0; i + 1 < field.Length; i += 2)
            {
                var c = i / 2 < text.Length ? text[i / 2] : ' ';
                BinaryPrimitives.WriteUInt16BigEndian(field[i..], c);
            }

            if (field.Length % 2 == 1)
            {
                field[^1] = (byte)' ';
            }

            return;
        }

        field.Fill((byte)' ');
        Encoding.ASCII.GetBytes(text.AsSpan(0, Math.Min(text.Length, field.Length)), field);
    }

    private static void RecordingDate(Span<byte> d)
    {
        var t = TarGzWriter.Epoch.UtcDateTime;
        d[0] = (byte)(t.Year - 1900);
        d[1] = (byte)t.Month;
        d[2] = (byte)t.Day;
        d[3] = (byte)t.Hour;
        d[4] = (byte)t.Minute;
        d[5] = (byte)t.Second;
        d[6] = 0;
    }

    private static void BothEndian32(Span<byte> d, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(d, value);
        BinaryPrimitives.WriteUInt32BigEndian(d[4..], value);
    }

    private static void BothEndian16(Span<byte> d, ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(d, value);
        BinaryPrimitives.WriteUInt16BigEndian(d[2..], value);
    }
}
