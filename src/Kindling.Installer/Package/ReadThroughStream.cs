using System.Security.Cryptography;
using Kindling.Artifacts.Storage;

namespace Kindling.Installer.Package;

/// <summary>
/// A read-only pass-through that hashes (sha256) what flows through it, counts it and keeps its last 8 bytes, so one
/// read of a file serves its checksum, its digest and the gzip trailer check of a tar.gz read through it.
/// </summary>
internal sealed class ReadThroughStream(Stream inner, bool hash = true, bool crc = false) : ReadOnlyStream
{
    private readonly IncrementalHash? _hash = hash ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
    private readonly Crc32? _crc = crc ? new Crc32() : null;
    private readonly byte[] _tail = new byte[8];
    private int _tailLength;

    public long Consumed { get; private set; }

    /// <summary>CRC-32 of what was read, when asked for at construction.</summary>
    public uint Crc32 => _crc?.Value ?? throw new InvalidOperationException("no CRC-32 asked for");

    /// <summary>The last up to 8 bytes read (a gzip member's CRC-32 and ISIZE once the stream is drained).</summary>
    public ReadOnlySpan<byte> Tail => _tail.AsSpan(0, _tailLength);

    public override long Position { get => Consumed; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Observe(buffer[..n]);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        Observe(buffer.Span[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Reads to the end (so the hash covers the whole input).</summary>
    public void Drain()
    {
        var buffer = new byte[1 << 16];
        while (Read(buffer) > 0)
        {
        }
    }

    public Digest Digest() => Kindling.Artifacts.Storage.Digest.FromHash(_hash?.GetCurrentHash() ?? throw new InvalidOperationException("not hashing"));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash?.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Observe(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        _hash?.AppendData(data);
        _crc?.Append(data);
        Consumed += data.Length;
        if (data.Length >= 8)
        {
            data[^8..].CopyTo(_tail);
            _tailLength = 8;
            return;
        }

        var keep = Math.Min(_tailLength, 8 - data.Length);
        _tail.AsSpan(_tailLength - keep, keep).CopyTo(_tail);
        data.CopyTo(_tail.AsSpan(keep));
        _tailLength = keep + data.Length;
    }
}
