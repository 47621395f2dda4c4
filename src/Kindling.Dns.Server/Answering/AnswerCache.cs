using System.Buffers.Binary;

namespace Kindling.Dns.Server.Answering;

/// <summary>
/// Finished responses of one zone-table version, keyed by (RD/CD/EDNS/DO bits, QTYPE, QCLASS, lowered QNAME). A hit
/// costs one probe of a flat open-addressing table and a copy; the transport then patches the ID and the question's
/// original case (the cached answers are written without compression against the question, so the question's case
/// cannot leak into them). Bounded: once full it stops adding, so a flood of random names cannot grow memory.
/// </summary>
/// <remarks>
/// Issue 14's profile showed the <c>ConcurrentDictionary&lt;byte[], byte[]&gt;</c> this replaces costing most of the
/// answer path: bucket, node, key array and value array are four objects scattered over the heap, so a lookup took
/// three to four cache misses. Here a lookup reads one 8-octet slot (the key's 32-bit hash beside the entry's place,
/// so a different key is rejected without touching it) and then one entry whose key and response lie next to each
/// other in a chunk of octets. Readers take no lock: an entry's octets are written before the chunk list and the slot
/// that point at them are published (release writes), and a reader reads the slot table once per lookup, so it sees
/// either the old table (a miss, answered by building) or a complete entry. Writers (the first query of a name in a
/// version) serialise on a lock.
/// </remarks>
internal sealed class AnswerCache
{
    public const int DefaultCapacity = 50_000;
    public const int MaxKeyLength = DomainName.MaxWireLength + 5;

    // An entry is [key length: 2][response length: 2][key][response] inside one chunk; its place is the chunk's index
    // shifted left by ChunkBits plus the offset in the chunk (+1, so that a slot of 0 means empty).
    private const int ChunkBits = 17;
    private const int ChunkSize = 1 << ChunkBits;
    private const int EntryHeader = 4;
    private const int InitialSlots = 1024;
    private const int MaxChunks = 1 << 14; // 2 GiB of answers: places stay positive 32-bit numbers

    private readonly int _capacity;
    private readonly Lock _write = new();
    private long[] _slots;
    private byte[][] _chunks = [];
    private int _chunkUsed = ChunkSize;
    private int _count;

    public AnswerCache()
        : this(DefaultCapacity)
    {
    }

    public AnswerCache(int capacity)
    {
        _capacity = capacity;
        _slots = new long[capacity > 0 ? InitialSlots : 1];
    }

    public int Count => Volatile.Read(ref _count);

    public static int Key(in ParsedQuery q, ReadOnlySpan<byte> lowerName, Span<byte> key)
    {
        key[0] = (byte)((q.RecursionDesired ? 1 : 0) | (q.CheckingDisabled ? 2 : 0) | (q.HasEdns ? 4 : 0) | (q.DnssecOk ? 8 : 0));
        key[1] = (byte)((ushort)q.Type >> 8);
        key[2] = (byte)q.Type;
        key[3] = (byte)((ushort)q.Class >> 8);
        key[4] = (byte)q.Class;
        lowerName.CopyTo(key[5..]);
        return lowerName.Length + 5;
    }

    /// <summary>The response stored for <paramref name="key"/>, or false.</summary>
    public bool TryGet(ReadOnlySpan<byte> key, out ReadOnlySpan<byte> response)
    {
        var slots = Volatile.Read(ref _slots);
        var hash = LowerWireComparer.Hash(key);
        var mask = slots.Length - 1;
        for (var i = hash & mask; ; i = (i + 1) & mask)
        {
            var slot = Volatile.Read(ref slots[i]);
            if (slot == 0)
            {
                response = default;
                return false;
            }

            if ((int)(slot >> 32) == hash && Entry(slot, key, out response))
            {
                return true;
            }
        }
    }

    /// <summary>Stores <paramref name="response"/> for <paramref name="key"/> unless the cache is full or has it.</summary>
    public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> response)
    {
        if (Volatile.Read(ref _count) >= _capacity || key.Length > MaxKeyLength || response.Length > ushort.MaxValue)
        {
            return;
        }

        var hash = LowerWireComparer.Hash(key);
        lock (_write)
        {
            if (_count >= _capacity || TryGet(key, out _))
            {
                return;
            }

            if ((_count + 1) * 2 > _slots.Length)
            {
                Grow();
            }

            var size = EntryHeader + key.Length + response.Length;
            if (_chunkUsed + size > ChunkSize)
            {
                if (_chunks.Length >= MaxChunks)
                {
                    return;
                }

                // A new chunk; the list is replaced (never changed in place) so that a reader holds a complete one.
                var chunks = new byte[_chunks.Length + 1][];
                _chunks.CopyTo(chunks, 0);
                chunks[^1] = new byte[ChunkSize];
                Volatile.Write(ref _chunks, chunks);
                _chunkUsed = 0;
            }

            var chunkIndex = _chunks.Length - 1;
            var entry = _chunks[chunkIndex].AsSpan(_chunkUsed, size);
            BinaryPrimitives.WriteUInt16LittleEndian(entry, (ushort)key.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(entry[2..], (ushort)response.Length);
            key.CopyTo(entry[EntryHeader..]);
            response.CopyTo(entry[(EntryHeader + key.Length)..]);
            var place = ((long)chunkIndex << ChunkBits) + _chunkUsed + 1;
            _chunkUsed += size;
            Insert(_slots, ((long)hash << 32) | place);
            Volatile.Write(ref _count, _count + 1);
        }
    }

    private bool Entry(long slot, ReadOnlySpan<byte> key, out ReadOnlySpan<byte> response)
    {
        var place = (int)(uint)slot - 1;
        var chunk = Volatile.Read(ref _chunks)[place >> ChunkBits];
        var offset = place & (ChunkSize - 1);
        int keyLength = BinaryPrimitives.ReadUInt16LittleEndian(chunk.AsSpan(offset));
        int responseLength = BinaryPrimitives.ReadUInt16LittleEndian(chunk.AsSpan(offset + 2));
        if (!key.SequenceEqual(chunk.AsSpan(offset + EntryHeader, keyLength)))
        {
            response = default;
            return false;
        }

        response = chunk.AsSpan(offset + EntryHeader + keyLength, responseLength);
        return true;
    }

    private void Grow()
    {
        var slots = new long[_slots.Length * 2];
        foreach (var slot in _slots)
        {
            if (slot != 0)
            {
                Insert(slots, slot);
            }
        }

        Volatile.Write(ref _slots, slots);
    }

    private static void Insert(long[] slots, long slot)
    {
        var mask = slots.Length - 1;
        var i = (int)(slot >> 32) & mask;
        while (slots[i] != 0)
        {
            i = (i + 1) & mask;
        }

        Volatile.Write(ref slots[i], slot);
    }
}
