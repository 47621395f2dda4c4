using Kindling.Dns.Wire;

namespace Kindling.Dns.Records;

/// <summary>SRV: location of a service (RFC 2782). The target is not compressed on the wire (RFC 3597 §4).</summary>
internal sealed class SrvRecord(ushort priority, ushort weight, ushort port, DomainName target) : RecordData
{
    public ushort Priority { get; } = priority;

    public ushort Weight { get; } = weight;

    public ushort Port { get; } = port;

    public DomainName Target { get; } = target;

    public override RecordType Type => RecordType.SRV;

    public override DomainName? AdditionalName => Target;

    public override void Write(ref DnsWriter writer, bool compress)
    {
        writer.WriteUInt16(Priority);
        writer.WriteUInt16(Weight);
        writer.WriteUInt16(Port);
        writer.WriteName(Target, compress: false);
    }

    public override string ToString() => $"{Priority} {Weight} {Port} {Target}";

    public override bool CanonicalEquals(RecordData other) =>
        other is SrvRecord s && s.Priority == Priority && s.Weight == Weight && s.Port == Port && s.Target == Target;

    internal static SrvRecord Read(ref DnsReader reader) => new(reader.ReadUInt16(), reader.ReadUInt16(), reader.ReadUInt16(), reader.ReadName());

    internal static SrvRecord Parse(RdataText text) =>
        new(text.NextUInt16("SRV priority"), text.NextUInt16("SRV weight"), text.NextUInt16("SRV port"), text.NextName("SRV target"));
}
