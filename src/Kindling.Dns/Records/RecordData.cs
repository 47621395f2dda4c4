using Kindling.Dns.Wire;

namespace Kindling.Dns.Records;

/// <summary>
/// The RDATA of one resource record (RFC 1035 §3.2.1). One subclass per type, each in its own file citing its RFC;
/// types without one are kept as <see cref="OpaqueRecord"/> (RFC 3597). Two RDATAs are equal when their
/// uncompressed wire forms are equal octet for octet (so case in embedded names is significant; use
/// <see cref="CanonicalEquals"/> for DNS-semantic comparison).
/// </summary>
public abstract class RecordData : IEquatable<RecordData>
{
    public abstract RecordType Type { get; }

    /// <summary>Writes the RDATA (without RDLENGTH). Names are compressed only where RFC 3597 §4 allows it.</summary>
    public abstract void Write(ref DnsWriter writer, bool compress);

    /// <summary>The RDATA in zone-file presentation format.</summary>
    public abstract override string ToString();

    /// <summary>Target names that additional-section processing looks up (NS, MX, SRV targets; RFC 1035 §3.3).</summary>
    public virtual DomainName? AdditionalName => null;

    public byte[] ToWire()
    {
        Span<byte> buffer = stackalloc byte[ushort.MaxValue];
        var writer = new DnsWriter(buffer, []);
        Write(ref writer, compress: false);
        if (writer.Overflowed)
        {
            throw new DnsFormatException("RDATA longer than 65535 octets");
        }

        return writer.Written.ToArray();
    }

    public bool Equals(RecordData? other) =>
        other is not null && other.Type == Type && (ReferenceEquals(this, other) || ToWire().AsSpan().SequenceEqual(other.ToWire()));

    public override bool Equals(object? obj) => obj is RecordData other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Type, LowerWireComparer.Hash(ToWire()));

    /// <summary>Equality as DNS compares RRs inside an RRset: names embedded in the RDATA compared without case.</summary>
    public virtual bool CanonicalEquals(RecordData other) => Equals(other);

    /// <summary>Reads <paramref name="length"/> octets of RDATA of the given type at the reader's position.</summary>
    public static RecordData Read(RecordType type, ref DnsReader reader, int length)
    {
        var end = reader.Position + length;
        if (length < 0 || end > reader.Message.Length)
        {
            throw new DnsFormatException("RDATA runs past the end of the message");
        }

        RecordData data = type switch
        {
            RecordType.A => ARecord.Read(ref reader, length),
            RecordType.AAAA => AaaaRecord.Read(ref reader, length),
            RecordType.NS => new NsRecord(reader.ReadName()),
            RecordType.CNAME => new CnameRecord(reader.ReadName()),
            RecordType.DNAME => new DnameRecord(reader.ReadName()),
            RecordType.PTR => new PtrRecord(reader.ReadName()),
            RecordType.SOA => SoaRecord.Read(ref reader),
            RecordType.MX => MxRecord.Read(ref reader),
            RecordType.TXT => TxtRecord.Read(ref reader, end),
            RecordType.SRV => SrvRecord.Read(ref reader),
            RecordType.NAPTR => NaptrRecord.Read(ref reader),
            RecordType.CAA => CaaRecord.Read(ref reader, end),
            _ => new OpaqueRecord(type, reader.ReadBytes(length).ToArray()),
        };
        if (reader.Position != end)
        {
            throw new DnsFormatException($"{RecordTypeText.ToText(type)} RDATA length {length} does not match its content");
        }

        return data;
    }

    /// <summary>Parses RDATA in presentation format (a zone file), including the RFC 3597 <c>\# length hex</c> form.</summary>
    public static RecordData Parse(RecordType type, RdataText text)
    {
        if (text.PeekIsGenericMarker())
        {
            var bytes = OpaqueRecord.ParseGeneric(text);
            if (type is RecordType.OPT or RecordType.TSIG)
            {
                return new OpaqueRecord(type, bytes);
            }

            var reader = new DnsReader(bytes);
            return Read(type, ref reader, bytes.Length);
        }

        RecordData data = type switch
        {
            RecordType.A => ARecord.Parse(text),
            RecordType.AAAA => AaaaRecord.Parse(text),
            RecordType.NS => new NsRecord(text.NextName()),
            RecordType.CNAME => new CnameRecord(text.NextName()),
            RecordType.DNAME => new DnameRecord(text.NextName()),
            RecordType.PTR => new PtrRecord(text.NextName()),
            RecordType.SOA => SoaRecord.Parse(text),
            RecordType.MX => MxRecord.Parse(text),
            RecordType.TXT => TxtRecord.Parse(text),
            RecordType.SRV => SrvRecord.Parse(text),
            RecordType.NAPTR => NaptrRecord.Parse(text),
            RecordType.CAA => CaaRecord.Parse(text),
            _ => throw text.Error($"type {RecordTypeText.ToText(type)} is only accepted in the RFC 3597 form '\\# length hex'"),
        };
        text.ExpectEnd();
        return data;
    }
}

/// <summary>RDATA that is one domain name (NS, CNAME, PTR, DNAME share this shape).</summary>
public abstract class NameRecordData(DomainName target) : RecordData
{
    public DomainName Target { get; } = target;

    /// <summary>RFC 3597 §4: only the RFC 1035 types may be compressed on the wire.</summary>
    protected virtual bool Compressible => true;

    public override void Write(ref DnsWriter writer, bool compress) => writer.WriteName(Target, compress && Compressible);

    public override string ToString() => Target.ToString();

    public override bool CanonicalEquals(RecordData other) => other is NameRecordData n && n.Type == Type && n.Target == Target;
}
