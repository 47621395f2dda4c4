using Kindling.Dns.Wire;

namespace Kindling.Dns.Records;

/// <summary>SOA: start of a zone of authority (RFC 1035 §3.3.13); MINIMUM is the negative-caching TTL (RFC 2308 §4).</summary>
public sealed class SoaRecord(DomainName primary, DomainName responsible, uint serial, uint refresh, uint retry, uint expire, uint minimum) : RecordData
{
    public DomainName Primary { get; } = primary;

    public DomainName Responsible { get; } = responsible;

    public uint Serial { get; } = serial;

    public uint Refresh { get; } = refresh;

    public uint Retry { get; } = retry;

    public uint Expire { get; } = expire;

    public uint Minimum { get; } = minimum;

    public override RecordType Type => RecordType.SOA;

    public SoaRecord WithSerial(uint serial) => new(Primary, Responsible, serial, Refresh, Retry, Expire, Minimum);

    public override void Write(ref DnsWriter writer, bool compress)
    {
        writer.WriteName(Primary, compress);
        writer.WriteName(Responsible, compress);
        writer.WriteUInt32(Serial);
        writer.WriteUInt32(Refresh);
        writer.WriteUInt32(Retry);
        writer.WriteUInt32(Expire);
        writer.WriteUInt32(Minimum);
    }

    public override string ToString() => $"{Primary} {Responsible} {Serial} {Refresh} {Retry} {Expire} {Minimum}";

    public override bool CanonicalEquals(RecordData other) =>
        other is SoaRecord s && s.Primary == Primary && s.Responsible == Responsible && s.Serial == Serial
        && s.Refresh == Refresh && s.Retry == Retry && s.Expire == Expire && s.Minimum == Minimum;

    internal static SoaRecord Read(ref DnsReader reader) =>
        new(reader.ReadName(), reader.ReadName(), reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32());

    internal static SoaRecord Parse(RdataText text) =>
        new(text.NextName("SOA MNAME"), text.NextName("SOA RNAME"), text.NextUInt32("SOA serial"),
            text.NextUInt32("SOA refresh", allowUnits: true), text.NextUInt32("SOA retry", allowUnits: true),
            text.NextUInt32("SOA expire", allowUnits: true), text.NextUInt32("SOA minimum", allowUnits: true));
}
