using Kindling.Dns.Records;

namespace Kindling.Dns.Server.Zones;

/// <summary>All records of one owner, type and class, sharing one TTL (RFC 2181 §5). Immutable.</summary>
public sealed class RRset(DomainName owner, RecordType type, uint ttl, IReadOnlyList<RecordData> records)
{
    public DomainName Owner { get; } = owner;

    public RecordType Type { get; } = type;

    public uint Ttl { get; } = ttl;

    public IReadOnlyList<RecordData> Records { get; } = records;

    public IEnumerable<ResourceRecord> ToRecords() => Records.Select(r => new ResourceRecord(Owner, Type, RecordClass.IN, Ttl, r));

    public override string ToString() => string.Join('\n', ToRecords());
}

/// <summary>The RRsets of one name in a zone; a node without RRsets is an empty non-terminal (RFC 8020 §2).</summary>
public sealed class ZoneNode(DomainName name, RRset[] sets)
{
    public DomainName Name { get; } = name;

    public RRset[] Sets { get; } = sets;

    public bool IsEmpty => Sets.Length == 0;

    public RRset? Find(RecordType type)
    {
        foreach (var set in Sets)
        {
            if (set.Type == type)
            {
                return set;
            }
        }

        return null;
    }
}
