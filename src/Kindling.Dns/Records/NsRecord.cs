namespace Kindling.Dns.Records;

/// <summary>NS: an authoritative name server for the owner (RFC 1035 §3.3.11).</summary>
public sealed class NsRecord(DomainName target) : NameRecordData(target)
{
    public override RecordType Type => RecordType.NS;

    public override DomainName? AdditionalName => Target;
}
