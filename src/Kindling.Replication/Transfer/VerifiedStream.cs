using System.Security.Cryptography;
using Kindling.Artifacts.Storage;

namespace Kindling.Replication.Transfer;

/// <summary>
/// A download that hashes every byte it passes on (SHA-256 for registry blobs and charts, MD5 for S3 objects,
/// whose ETag it is). The final bytes are handed out only after the whole content hashed to the expected value:
/// on a mismatch, or a length other than announced, the read throws <see cref="CorruptContentException"/>, so an
/// upload streaming from it never completes and the target keeps nothing.
/// </summary>
internal sealed class VerifiedStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly IDisposable? _owner;
    private readonly byte[] _expected;
    private readonly string _expectedText;
    private readonly string _url;
    private readonly IncrementalHash _hash;
    private long _read;

    /// <param name="expectedText">The expected value as users see it (<c>sha256:...</c>, or the ETag), for messages.</param>
    public VerifiedStream(Stream inner, IDisposable? owner, HashAlgorithmName algorithm, byte[] expected, string expectedText, long length, string url)
    {
        _inner = inner;
        _owner = owner;
        _expected = expected;
        _expectedText = expectedText;
        Length = length;
        _url = url;
        _hash = IncrementalHash.CreateHash(algorithm);
        if (length == 0)
        {
            Check();
        }
    }

    public override long Length { get; }

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
            throw new CorruptContentException($"{_url}: the source ended after {_read} of {Length} bytes: not propagated; run again to resume");
        }

        _hash.AppendData(buffer.Span[..n]);
        _read += n;
        if (_read == Length)
        {
            Check();
        }

        return n;
    }

    private void Check()
    {
        var actual = _hash.GetHashAndReset();
        if (!actual.AsSpan().SequenceEqual(_expected))
        {
            throw new CorruptContentException($"{_url}: the {Length} bytes received do not hash to {_expectedText} (they hash to {Convert.ToHexStringLower(actual)}): the source's copy is corrupt; it was not propagated");
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _owner?.Dispose();
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>Content whose bytes do not hash to the digest that names it: refused, never written to the target.</summary>
internal sealed class CorruptContentException(string message) : Exception(message);
