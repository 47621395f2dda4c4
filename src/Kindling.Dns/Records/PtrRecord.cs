namespace Kindling.Dns.Records;

/// <summary>PTR: a pointer to another name, used for reverse lookups (RFC 1035 §3.3.12).</summary>
internal sealed class PtrRecord(DomainName target) : NameRecordData(target)
{
    public override RecordType Type => RecordType.PTR;
}
