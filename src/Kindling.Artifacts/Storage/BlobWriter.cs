using System.Security.Cryptography;

namespace Kindling.Artifacts.Storage;

/// <summary>
/// Appends bytes to a file while hashing them, so the digest is known without reading the file again. Used for
/// whole blobs (a temporary file) and for resumable upload sessions (a file that outlives one request).
/// </summary>
public sealed class BlobWriter : IDisposable
{
    private readonly IncrementalHash _hash;
    private FileStream? _stream;
    private bool _closed;

    private BlobWriter(string path, FileStream stream, IncrementalHash hash, long length)
    {
        Path = path;
        _stream = stream;
        _hash = hash;
        Length = length;
    }

    public string Path { get; }

    /// <summary>Bytes written so far (the upload offset).</summary>
    public long Length { get; private set; }

    internal static BlobWriter Create(string path) =>
        new(path, new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 0), IncrementalHash.CreateHash(HashAlgorithmName.SHA256), 0);

    /// <summary>Continues a file already holding bytes: hashes what is there, then appends.</summary>
    internal static BlobWriter Resume(string path)
    {
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 0);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(256 * 1024);
        try
        {
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        return new BlobWriter(path, stream, hash, stream.Length);
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        Stream.Write(data);
        _hash.AppendData(data);
        Length += data.Length;
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await Stream.WriteAsync(data, cancellationToken);
        _hash.AppendData(data.Span);
        Length += data.Length;
    }

    /// <summary>
    /// Closes the file but keeps the hash and length: an upload session idle between requests then holds no file
    /// handle. The next write (or <see cref="Finish"/>) reopens the file and appends.
    /// </summary>
    internal void Suspend()
    {
        _stream?.Dispose();
        _stream = null;
    }

    /// <summary>The digest of what is written so far, without ending the writer.</summary>
    public Digest CurrentDigest()
    {
        Span<byte> hash = stackalloc byte[32];
        _hash.GetCurrentHash(hash);
        return Digest.FromHash(hash);
    }

    /// <summary>Flushes to disk, closes the file and returns the digest of its content.</summary>
    internal Digest Finish()
    {
        var digest = CurrentDigest();
        if (!_closed)
        {
            // Reopened when suspended: fsync covers what earlier requests wrote, too.
            Stream.Flush(flushToDisk: true);
            _stream!.Dispose();
            _stream = null;
            _closed = true;
        }

        return digest;
    }

    private FileStream Stream => _stream ??= _closed
        ? throw new ObjectDisposedException(nameof(BlobWriter))
        : new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read, 0);

    /// <summary>Closes the file (keeps it: upload sessions resume from it; whole-blob writers are cleaned by the store).</summary>
    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
        _closed = true;
        _hash.Dispose();
    }
}
