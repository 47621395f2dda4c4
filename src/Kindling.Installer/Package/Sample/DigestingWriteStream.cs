using System.Security.Cryptography;
using Kindling.Artifacts.Storage;

namespace Kindling.Installer.Package.Sample;

/// <summary>A write-only pass-through that sha256-hashes and counts what is written (a blob's digest while it is written).</summary>
internal sealed class DigestingWriteStream(Stream inner, bool leaveOpen = false) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long Written { get; private set; }

    public Digest Digest() => Kindling.Artifacts.Storage.Digest.FromHash(_hash.GetCurrentHash());

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => Written;

    public override long Position { get => Written; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        Written += buffer.Length;
        inner.Write(buffer);
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            if (!leaveOpen)
            {
                inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// Deterministic incompressible bytes (xorshift64*), readable and seekable without holding them: the sample's
/// 20 MiB base layer and 1 MiB unique layers, the same bytes on every run.
/// </summary>
internal sealed class PseudoRandomStream(ulong seed, long length) : Stream
{
    private ulong _state = seed == 0 ? 0x9E3779B97F4A7C15ul : seed;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set
        {
            if (value != 0)
            {
                throw new NotSupportedException("rewind only");
            }

            _position = 0;
            _state = seed == 0 ? 0x9E3779B97F4A7C15ul : seed;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length & ~7, length - _position);
        if (n <= 0 && _position < length)
        {
            n = (int)Math.Min(buffer.Length, length - _position); // fewer than 8 left or a tiny buffer
        }

        for (var i = 0; i < n; i += 8)
        {
            _state ^= _state >> 12;
            _state ^= _state << 25;
            _state ^= _state >> 27;
            var value = _state * 0x2545F4914F6CDD1Dul;
            for (var k = 0; k < 8 && i + k < n; k++)
            {
                buffer[i + k] = (byte)(value >> (8 * k));
            }
        }

        _position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin == SeekOrigin.Begin ? offset : throw new NotSupportedException();
        return 0;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
