using System.Buffers.Binary;

namespace Kindling.Dns;

/// <summary>
/// Compares lowered wire-form names (or any byte keys) by content, and looks them up by span without allocating:
/// the query path lowers the question name once into a stack buffer and probes dictionaries with it.
/// </summary>
public sealed class LowerWireComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static readonly LowerWireComparer Instance = new();

    // Per-process seed so that crafted query names cannot aim at one bucket of a long-lived cache.
    private static readonly ulong Seed = (ulong)Random.Shared.NextInt64();

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj) => Hash(obj);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

    /// <summary>A fast multiplicative hash over 8-octet words seeded per process.</summary>
    public static int Hash(ReadOnlySpan<byte> data)
    {
        var h = (Seed ^ (ulong)data.Length) * 0x9E3779B97F4A7C15UL;
        var i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            h = (h ^ BinaryPrimitives.ReadUInt64LittleEndian(data[i..])) * 0xFF51AFD7ED558CCDUL;
            h ^= h >> 29;
        }

        ulong tail = 0;
        for (var shift = 0; i < data.Length; i++, shift += 8)
        {
            tail |= (ulong)data[i] << shift;
        }

        h = (h ^ tail) * 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 32;
        return (int)h;
    }
}
