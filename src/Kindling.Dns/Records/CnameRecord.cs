namespace Kindling.Dns.Records;

/// <summary>CNAME: the owner is an alias of the canonical name (RFC 1035 §3.3.1, RFC 2181 §10.1).</summary>
public sealed class CnameRecord(DomainName target) : NameRecordData(target)
{
    public override RecordType Type => RecordType.CNAME;
}
