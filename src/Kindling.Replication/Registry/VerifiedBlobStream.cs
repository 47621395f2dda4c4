using System.Security.Cryptography;
using Kindling.Artifacts.Storage;

namespace Kindling.Replication.Registry;

/// <summary>
/// A blob download that hashes every byte it passes on. The final bytes are handed out only after the whole
/// content hashed to the expected digest: on a mismatch the read throws <see cref="CorruptContentException"/>, so
/// an upload streaming from it never completes and the target keeps nothing.
/// </summary>
public sealed class VerifiedBlobStream : Stream
{
    private readonly Stream _inner;
    private readonly IDisposable _owner;
    private readonly Digest _digest;
    private readonly string _url;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _read;

    internal VerifiedBlobStream(Stream inner, IDisposable owner, Digest digest, long length, string url)
    {
        _inner = inner;
        _owner = owner;
        _digest = digest;
        Length = length;
        _url = url;
    }

    public override long Length { get; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var want = (int)Math.Min(buffer.Length, Length - _read);
        if (want == 0)
        {
            if (Length == 0 && Digest.Of([]) != _digest)
            {
                throw new CorruptContentException($"{_url}: an empty blob does not hash to {_digest}: not propagated");
            }

            // Anything beyond the announced length is a corrupt (or lying) source.
            if (buffer.Length > 0 && await _inner.ReadAsync(buffer[..1], cancellationToken) > 0)
            {
                throw new CorruptContentException($"{_url}: the source sends more than the {Length} bytes announced: not propagated");
            }

            return 0;
        }

        var n = await _inner.ReadAsync(buffer[..want], cancellationToken);
        if (n == 0)
        {
            throw new CorruptContentException($"{_url}: the source ended after {_read} of {Length} bytes: not propagated; rerun to resume");
        }

        _hash.AppendData(buffer.Span[..n]);
        _read += n;
        if (_read == Length)
        {
            var actual = Digest.FromHash(_hash.GetHashAndReset());
            if (actual != _digest)
            {
                throw new CorruptContentException($"{_url}: the {Length} bytes received hash to {actual}, not {_digest}: the source's copy is corrupt; it was not propagated");
            }
        }

        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _owner.Dispose();
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
