using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Kindling.Installer.Package.Sample;

/// <summary>A file an RPM installs (absolute path, mode 0644, owned by root).</summary>
internal sealed record RpmFile(string Path, byte[] Content);

/// <summary>What a minimal noarch RPM says about itself.</summary>
internal sealed record RpmPackage(string Name, string Version, string Release, string Summary, string Description,
    string License, string Url, string Group, IReadOnlyList<RpmFile> Files)
{
    public string FileName => $"{Name}-{Version}-{Release}.noarch.rpm";
}

/// <summary>An RPM file and the facts a yum repository's metadata needs about it.</summary>
internal sealed record RpmBuild(RpmPackage Package, byte[] Bytes, int HeaderStart, int HeaderEnd, long InstalledSize, long ArchiveSize)
{
    public string Sha256 => Convert.ToHexStringLower(SHA256.HashData(Bytes));
}

/// <summary>
/// Writes a binary noarch RPM v3 package (rpm's format.md; LSB "Package File Format"): 96-byte lead, signature header
/// (sizes, MD5 of header+payload, SHA-1 and SHA-256 of the header), main header, gzip'd cpio "newc" payload with
/// "./"-prefixed names. Enough for <c>rpm -qip</c>, <c>rpm -K</c>, createrepo and dnf; unsigned.
/// </summary>
internal static class RpmWriter
{
    private const int RpmSenseLess = 0x02;
    private const int RpmSenseEqual = 0x08;
    private const int RpmSenseRpmLib = 1 << 24;
    private const int DigestSha256 = 8;

    public static RpmBuild Write(RpmPackage p)
    {
        var time = (int)TarGzWriter.Epoch.ToUnixTimeSeconds();
        var files = p.Files.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        var cpio = Cpio(files, time);
        var payload = Gzip(cpio);
        var header = Header(p, files, time, payload);
        var signature = Signature(header, payload, cpio.Length);
        var signaturePadding = (8 - signature.Length % 8) % 8;
        var evr = $"{p.Version}-{p.Release}";

        using var rpm = new MemoryStream();
        rpm.Write(Lead($"{p.Name}-{evr}"));
        rpm.Write(signature);
        rpm.Write(new byte[signaturePadding]);
        var headerStart = (int)rpm.Length;
        rpm.Write(header);
        var headerEnd = (int)rpm.Length;
        rpm.Write(payload);
        return new RpmBuild(p, rpm.ToArray(), headerStart, headerEnd, files.Sum(f => f.Content.LongLength), cpio.Length);
    }

    private static byte[] Gzip(byte[] cpio)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(cpio);
        }

        return buffer.ToArray();
    }

    /// <summary>The main header: the package's tags, its files (sizes, modes, digests, names by directory), and the payload's digest.</summary>
    private static byte[] Header(RpmPackage p, List<RpmFile> files, int time, byte[] payload)
    {
        var dirNames = files.Select(f => f.Path[..(f.Path.LastIndexOf('/') + 1)]).Distinct().ToList();
        var evr = $"{p.Version}-{p.Release}";
        var rpmlib = (RpmSenseRpmLib | RpmSenseLess | RpmSenseEqual);
        return new RpmHeader()
            .Strings(100, "C") // HEADERI18NTABLE
            .String(1000, p.Name).String(1001, p.Version).String(1002, p.Release)
            .I18n(1004, p.Summary).I18n(1005, p.Description)
            .Int32(1006, time).String(1007, "kindling.sample")
            .Int32(1009, (int)files.Sum(f => f.Content.LongLength))
            .String(1014, p.License).I18n(1016, p.Group).String(1020, p.Url)
            .String(1021, "linux").String(1022, "noarch")
            .Int32(1028, [.. files.Select(f => f.Content.Length)])
            .Int16(1030, [.. files.Select(_ => unchecked((short)0x81A4))]) // S_IFREG | 0644
            .Int16(1033, [.. files.Select(_ => (short)0)])
            .Int32(1034, [.. files.Select(_ => time)])
            .Strings(1035, [.. files.Select(f => Convert.ToHexStringLower(SHA256.HashData(f.Content)))])
            .Strings(1036, [.. files.Select(_ => "")])
            .Int32(1037, [.. files.Select(_ => 0)])
            .Strings(1039, [.. files.Select(_ => "root")])
            .Strings(1040, [.. files.Select(_ => "root")])
            .String(1044, $"{p.Name}-{evr}.src.rpm")
            .Strings(1047, p.Name)
            .Int32(1048, rpmlib, rpmlib, rpmlib)
            .Strings(1049, "rpmlib(CompressedFileNames)", "rpmlib(FileDigests)", "rpmlib(PayloadFilesHavePrefix)")
            .Strings(1050, "3.0.4-1", "4.6.0-1", "4.0-1")
            .String(1064, "4.16.1.3")
            .Int32(1095, [.. files.Select(_ => 1)])
            .Int32(1096, [.. files.Select((_, i) => i + 1)])
            .Strings(1097, [.. files.Select(_ => "")])
            .Int32(1112, RpmSenseEqual)
            .Strings(1113, evr)
            .Int32(1116, [.. files.Select(f => dirNames.IndexOf(f.Path[..(f.Path.LastIndexOf('/') + 1)]))])
            .Strings(1117, [.. files.Select(f => f.Path[(f.Path.LastIndexOf('/') + 1)..])])
            .Strings(1118, [.. dirNames])
            .String(1124, "cpio").String(1125, "gzip").String(1126, "9")
            .Int32(5011, DigestSha256)
            .Strings(5092, Convert.ToHexStringLower(SHA256.HashData(payload)))
            .Int32(5093, DigestSha256)
            .Build(regionTag: 63);
    }

    /// <summary>The signature header: digests of the header and of header and payload, their size, and the cpio's size.</summary>
    private static byte[] Signature(byte[] header, byte[] payload, int cpioLength)
    {
        // rpm's format fixes these digests (RPMSIGTAG_MD5, RPMSIGTAG_SHA1): integrity checks, not security.
#pragma warning disable CA5350, CA5351
        var md5 = MD5.HashData([.. header, .. payload]);
        var sha1 = Convert.ToHexStringLower(SHA1.HashData(header));
#pragma warning restore CA5350, CA5351
        return new RpmHeader()
            .String(269, sha1)
            .String(273, Convert.ToHexStringLower(SHA256.HashData(header)))
            .Int32(1000, header.Length + payload.Length)
            .Bin(1004, md5)
            .Int32(1007, cpioLength)
            .Build(regionTag: 62);
    }

    private static byte[] Lead(string name)
    {
        var lead = new byte[96];
        lead[0] = 0xED;
        lead[1] = 0xAB;
        lead[2] = 0xEE;
        lead[3] = 0xDB;
        lead[4] = 3; // major
        BinaryPrimitives.WriteInt16BigEndian(lead.AsSpan(6), 0); // binary package
        BinaryPrimitives.WriteInt16BigEndian(lead.AsSpan(8), 1);
        Encoding.ASCII.GetBytes(name.AsSpan(0, Math.Min(name.Length, 65)), lead.AsSpan(10));
        BinaryPrimitives.WriteInt16BigEndian(lead.AsSpan(76), 1); // linux
        BinaryPrimitives.WriteInt16BigEndian(lead.AsSpan(78), 5); // header-style signature
        return lead;
    }

    /// <summary>cpio "newc" (SVR4, magic 070701) with "./" names, each header+name and data padded to 4 bytes.</summary>
    private static byte[] Cpio(List<RpmFile> files, int time)
    {
        using var cpio = new MemoryStream();
        var inode = 1;
        foreach (var file in files)
        {
            Member(cpio, "." + file.Path, inode++, 0x81A4, time, file.Content);
        }

        Member(cpio, "TRAILER!!!", 0, 0, 0, []);
        return cpio.ToArray();
    }

    private static void Member(MemoryStream cpio, string name, int inode, int mode, int time, byte[] content)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var fields = new[] { inode, mode, 0, 0, mode == 0 ? 1 : 1, time, content.Length, 0, 0, 0, 0, nameBytes.Length + 1, 0 };
        var header = new StringBuilder("070701");
        foreach (var f in fields)
        {
            header.Append(f.ToString("X8", System.Globalization.CultureInfo.InvariantCulture));
        }

        cpio.Write(Encoding.ASCII.GetBytes(header.ToString()));
        cpio.Write(nameBytes);
        cpio.WriteByte(0);
        Pad(cpio);
        cpio.Write(content);
        Pad(cpio);
    }

    private static void Pad(MemoryStream s)
    {
        while (s.Length % 4 != 0)
        {
            s.WriteByte(0);
        }
    }
}
