using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Kindling.Artifacts.Storage;

namespace Kindling.Installer.Package.Sample;

/// <summary>
/// Writes a gzip'd ustar archive with fixed times and owners (root:root, <see cref="Epoch"/>), so the same content gives
/// the same bytes and digests on every run. Knows both digests an OCI layer needs: of the tar (the config's diff_id)
/// and of the gzip (the layer's descriptor).
/// </summary>
internal sealed class TarGzWriter : IDisposable
{
    /// <summary>The sample's fixed timestamp: the seed document's date.</summary>
    public static readonly DateTimeOffset Epoch = new(2024, 5, 11, 0, 0, 0, TimeSpan.Zero);

    private readonly DigestingWriteStream _compressed;
    private readonly GZipStream _gzip;
    private readonly DigestingWriteStream _plain;
    private readonly TarWriter _tar;
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal);
    private (Digest Compressed, long CompressedSize, Digest Plain)? _result;

    public TarGzWriter(Stream destination, CompressionLevel level = CompressionLevel.Optimal)
    {
        _compressed = new DigestingWriteStream(destination, leaveOpen: true);
        _gzip = new GZipStream(_compressed, level, leaveOpen: true);
        _plain = new DigestingWriteStream(_gzip, leaveOpen: true);
        _tar = new TarWriter(_plain, TarEntryFormat.Ustar, leaveOpen: true);
    }

    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public const UnixFileMode ExecutableMode = FileMode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>Adds a file and, first, its parent folders (once each).</summary>
    public void AddFile(string name, Stream content, UnixFileMode mode = FileMode)
    {
        AddParents(name);
        var entry = Entry(TarEntryType.RegularFile, name, mode);
        entry.DataStream = content;
        _tar.WriteEntry(entry);
    }

    public void AddFile(string name, byte[] content, UnixFileMode mode = FileMode)
    {
        using var stream = new MemoryStream(content, writable: false);
        AddFile(name, stream, mode);
    }

    public void AddText(string name, string text, UnixFileMode mode = FileMode) => AddFile(name, Encoding.UTF8.GetBytes(text), mode);

    public void AddDirectory(string name)
    {
        var clean = name.TrimEnd('/');
        if (_directories.Add(clean))
        {
            _tar.WriteEntry(Entry(TarEntryType.Directory, clean + "/", FileMode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute));
        }
    }

    /// <summary>Ends the archive; then the digests are final.</summary>
    public (Digest Compressed, long CompressedSize, Digest Plain) Finish()
    {
        if (_result is { } done)
        {
            return done;
        }

        _tar.Dispose();
        var plain = _plain.Digest();
        _plain.Dispose();
        _gzip.Dispose();
        _compressed.Flush();
        _result = (_compressed.Digest(), _compressed.Written, plain);
        return _result.Value;
    }

    public void Dispose()
    {
        Finish();
        _compressed.Dispose();
    }

    private void AddParents(string name)
    {
        var parts = name.Split('/');
        for (var i = 1; i < parts.Length; i++)
        {
            AddDirectory(string.Join('/', parts[..i]));
        }
    }

    private static UstarTarEntry Entry(TarEntryType type, string name, UnixFileMode mode) => new(type, name)
    {
        ModificationTime = Epoch,
        Mode = mode,
        Uid = 0,
        Gid = 0,
        UserName = "root",
        GroupName = "root",
    };
}
