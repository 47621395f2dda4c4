namespace Kindling.Dns.Records;

/// <summary>DNAME: redirection of the owner's whole subtree (RFC 6672 §2.1). Its target is never compressed (§2.5).</summary>
public sealed class DnameRecord(DomainName target) : NameRecordData(target)
{
    public override RecordType Type => RecordType.DNAME;

    protected override bool Compressible => false;
}
