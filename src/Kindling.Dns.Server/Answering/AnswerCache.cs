using System.Collections.Concurrent;

namespace Kindling.Dns.Server.Answering;

/// <summary>
/// Finished responses of one zone-table version, keyed by (RD/CD/EDNS/DO bits, QTYPE, QCLASS, lowered QNAME). A hit
/// costs one lock-free lookup and a copy; the transport then patches the ID and the question's original case (the
/// cached answers are written without compression against the question, so the question's case cannot leak into
/// them). Bounded: once full it stops adding, so a flood of random names cannot grow memory.
/// </summary>
internal sealed class AnswerCache
{
    private readonly int _capacity;

    public const int DefaultCapacity = 50_000;
    public const int MaxKeyLength = DomainName.MaxWireLength + 5;

    private readonly ConcurrentDictionary<byte[], byte[]> _entries;
    private readonly ConcurrentDictionary<byte[], byte[]>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private int _count;

    public AnswerCache()
        : this(DefaultCapacity)
    {
    }

    public AnswerCache(int capacity)
    {
        _capacity = capacity;
        _entries = new ConcurrentDictionary<byte[], byte[]>(Environment.ProcessorCount, 1024, LowerWireComparer.Instance);
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
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

    public bool TryGet(ReadOnlySpan<byte> key, out byte[] response) =>
        _lookup.TryGetValue(key, out response!);

    public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> response)
    {
        if (Volatile.Read(ref _count) >= _capacity)
        {
            return;
        }

        if (_entries.TryAdd(key.ToArray(), response.ToArray()))
        {
            Interlocked.Increment(ref _count);
        }
    }
}
