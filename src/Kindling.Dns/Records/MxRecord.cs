using Kindling.Dns.Wire;

namespace Kindling.Dns.Records;

/// <summary>MX: a mail exchange with its preference (RFC 1035 §3.3.9).</summary>
internal sealed class MxRecord(ushort preference, DomainName exchange) : RecordData
{
    public ushort Preference { get; } = preference;

    public DomainName Exchange { get; } = exchange;

    public override RecordType Type => RecordType.MX;

    public override DomainName? AdditionalName => Exchange;

    public override void Write(ref DnsWriter writer, bool compress)
    {
        writer.WriteUInt16(Preference);
        writer.WriteName(Exchange, compress);
    }

    public override string ToString() => $"{Preference} {Exchange}";

    public override bool CanonicalEquals(RecordData other) => other is MxRecord m && m.Preference == Preference && m.Exchange == Exchange;

    internal static MxRecord Read(ref DnsReader reader) => new(reader.ReadUInt16(), reader.ReadName());

    internal static MxRecord Parse(RdataText text) => new(text.NextUInt16("MX preference"), text.NextName("MX exchange"));
}
