using Kindling.Dns.Records;

namespace Kindling.Dns;

/// <summary>A resource record (RFC 1035 §3.2.1, §4.1.3): owner, type, class, TTL and RDATA.</summary>
/// <remarks>
/// UPDATE messages (RFC 2136 §2.4, §2.5) use class ANY or NONE with empty RDATA; <see cref="Data"/> is then null.
/// </remarks>
public sealed record ResourceRecord(DomainName Name, RecordType Type, RecordClass Class, uint Ttl, RecordData? Data)
{
    public ResourceRecord(DomainName name, uint ttl, RecordData data)
        : this(name, data.Type, RecordClass.IN, ttl, data)
    {
    }

    public bool Equals(ResourceRecord? other) =>
        other is not null && Name.EqualsExactly(other.Name) && Type == other.Type && Class == other.Class && Ttl == other.Ttl
        && Equals(Data, other.Data);

    public override int GetHashCode() => HashCode.Combine(Name, Type, Class, Ttl, Data);

    public override string ToString() =>
        $"{Name} {Ttl} {RecordTypeText.ToText(Class)} {RecordTypeText.ToText(Type)} {Data?.ToString() ?? ""}".TrimEnd();
}
