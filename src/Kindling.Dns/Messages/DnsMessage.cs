using Kindling.Dns.Records;
using Kindling.Dns.Wire;

namespace Kindling.Dns;

/// <summary>
/// A DNS message (RFC 1035 §4.1) with EDNS(0) (RFC 6891) lifted out of the additional section into <see cref="Edns"/>.
/// A TSIG record (RFC 8945), when present, stays as the last additional record. This is the convenient,
/// allocating model for tools, tests, UPDATE, transfers and the stub client; the query hot path reads spans directly.
/// </summary>
public sealed class DnsMessage
{
    public ushort Id { get; set; }

    public bool IsResponse { get; set; }

    public Opcode Opcode { get; set; }

    public bool AuthoritativeAnswer { get; set; }

    public bool Truncated { get; set; }

    public bool RecursionDesired { get; set; }

    public bool RecursionAvailable { get; set; }

    /// <summary>The reserved Z bit (must be zero on send; kept for round trips).</summary>
    public bool Z { get; set; }

    public bool AuthenticData { get; set; }

    public bool CheckingDisabled { get; set; }

    /// <summary>The full RCODE: the header's 4 bits plus, with EDNS, the OPT record's upper 8 bits.</summary>
    public ResponseCode ResponseCode { get; set; }

    public List<Question> Questions { get; } = [];

    /// <summary>Answer section; in UPDATE messages the prerequisite section (RFC 2136 §2.4).</summary>
    public List<ResourceRecord> Answers { get; } = [];

    /// <summary>Authority section; in UPDATE messages the update section (RFC 2136 §2.5).</summary>
    public List<ResourceRecord> Authority { get; } = [];

    public List<ResourceRecord> Additional { get; } = [];

    public Edns? Edns { get; set; }

    /// <summary>Builds a standard query (RFC 1035 §4.1.1) with EDNS(0) advertising <paramref name="udpPayloadSize"/> unless 0.</summary>
    public static DnsMessage CreateQuery(DomainName name, RecordType type, ushort id, bool recursionDesired = true, ushort udpPayloadSize = EdnsDefaults.UdpPayloadSize)
    {
        var message = new DnsMessage { Id = id, RecursionDesired = recursionDesired, Opcode = Opcode.Query };
        message.Questions.Add(new Question(name, type));
        if (udpPayloadSize > 0)
        {
            message.Edns = new Edns(udpPayloadSize);
        }

        return message;
    }

    /// <summary>The addresses of the A and AAAA records in the answer whose owner is the question's name or its CNAME chain.</summary>
    public IReadOnlyList<System.Net.IPAddress> AnswerAddresses()
    {
        var addresses = new List<System.Net.IPAddress>();
        if (Questions.Count == 0)
        {
            return addresses;
        }

        var name = Questions[0].Name;
        for (var hops = 0; hops < 16; hops++)
        {
            var cname = Answers.FirstOrDefault(r => r.Type == RecordType.CNAME && r.Name == name);
            if (cname?.Data is CnameRecord c)
            {
                name = c.Target;
                continue;
            }

            break;
        }

        foreach (var record in Answers)
        {
            if (record.Name == name)
            {
                if (record.Data is ARecord a)
                {
                    addresses.Add(a.Address);
                }
                else if (record.Data is AaaaRecord aaaa)
                {
                    addresses.Add(aaaa.Address);
                }
            }
        }

        return addresses;
    }

    public static DnsMessage Parse(ReadOnlySpan<byte> wire)
    {
        var reader = new DnsReader(wire);
        var message = new DnsMessage { Id = reader.ReadUInt16() };
        var flags = reader.ReadUInt16();
        message.IsResponse = (flags & HeaderFlags.Response) != 0;
        message.Opcode = (Opcode)((flags & HeaderFlags.OpcodeMask) >> HeaderFlags.OpcodeShift);
        message.AuthoritativeAnswer = (flags & HeaderFlags.AuthoritativeAnswer) != 0;
        message.Truncated = (flags & HeaderFlags.Truncated) != 0;
        message.RecursionDesired = (flags & HeaderFlags.RecursionDesired) != 0;
        message.RecursionAvailable = (flags & HeaderFlags.RecursionAvailable) != 0;
        message.Z = (flags & HeaderFlags.Z) != 0;
        message.AuthenticData = (flags & HeaderFlags.AuthenticData) != 0;
        message.CheckingDisabled = (flags & HeaderFlags.CheckingDisabled) != 0;
        var rcode = (ushort)(flags & HeaderFlags.RcodeMask);
        int qd = reader.ReadUInt16(), an = reader.ReadUInt16(), ns = reader.ReadUInt16(), ar = reader.ReadUInt16();
        for (var i = 0; i < qd; i++)
        {
            message.Questions.Add(new Question(reader.ReadName(), (RecordType)reader.ReadUInt16(), (RecordClass)reader.ReadUInt16()));
        }

        ReadSection(ref reader, an, message.Answers, null);
        ReadSection(ref reader, ns, message.Authority, null);
        ReadSection(ref reader, ar, message.Additional, message);
        if (reader.Remaining != 0)
        {
            throw new DnsFormatException($"{reader.Remaining} octets after the last record");
        }

        if (message.Edns is not null)
        {
            rcode |= (ushort)(message.Edns.ExtendedRcode << 4);
            message.Edns = message.Edns with { ExtendedRcode = 0 }; // lifted into ResponseCode
        }

        message.ResponseCode = (ResponseCode)rcode;
        return message;
    }

    private static void ReadSection(ref DnsReader reader, int count, List<ResourceRecord> section, DnsMessage? additionalOf)
    {
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadName();
            var type = (RecordType)reader.ReadUInt16();
            var cls = reader.ReadUInt16();
            var ttl = reader.ReadUInt32();
            int length = reader.ReadUInt16();
            if (type == RecordType.OPT)
            {
                if (additionalOf is null || additionalOf.Edns is not null || !name.IsRoot)
                {
                    throw new DnsFormatException("OPT record outside the additional section, repeated, or not owned by the root (RFC 6891 §6.1.1)");
                }

                additionalOf.Edns = ReadOpt(ref reader, length, cls, ttl);
                continue;
            }

            if (length == 0 && (RecordClass)cls is RecordClass.ANY or RecordClass.NONE)
            {
                section.Add(new ResourceRecord(name, type, (RecordClass)cls, ttl, null));
                continue;
            }

            var data = type == RecordType.TSIG ? TsigRecord.Read(ref reader, length) : RecordData.Read(type, ref reader, length);
            section.Add(new ResourceRecord(name, type, (RecordClass)cls, ttl, data));
        }
    }

    private static Edns ReadOpt(ref DnsReader reader, int length, ushort cls, uint ttl)
    {
        var end = reader.Position + length;
        var options = new List<EdnsOption>();
        while (reader.Position < end)
        {
            var code = reader.ReadUInt16();
            var optionLength = reader.ReadUInt16();
            options.Add(new EdnsOption(code, reader.ReadBytes(optionLength).ToArray()));
        }

        if (reader.Position != end)
        {
            throw new DnsFormatException("OPT options overrun the record");
        }

        return new Edns(cls, (byte)(ttl >> EdnsFlags.ExtendedRcodeShift), (byte)(ttl >> EdnsFlags.VersionShift), (ttl & EdnsFlags.DnssecOk) != 0) { Options = options };
    }

    /// <summary>Writes the message; returns its length. With <paramref name="truncate"/>, records that do not fit are
    /// dropped (whole RRs, from the end) and TC is set; without it, an overflow throws.</summary>
    public int Write(Span<byte> buffer, bool truncate = false)
    {
        Span<ushort> table = stackalloc ushort[256];
        var writer = new DnsWriter(buffer, table);
        writer.WriteUInt16(Id);
        var flagsAt = writer.Position;
        writer.WriteUInt16(0);
        writer.WriteUInt16((ushort)Questions.Count);
        writer.WriteUInt16(0);
        writer.WriteUInt16(0);
        writer.WriteUInt16(0);
        foreach (var q in Questions)
        {
            writer.WriteName(q.Name);
            writer.WriteUInt16((ushort)q.Type);
            writer.WriteUInt16((ushort)q.Class);
        }

        if (writer.Overflowed)
        {
            throw new DnsFormatException("buffer too small for the question");
        }

        var truncated = Truncated;
        var stop = false;
        var tsig = Additional.Count > 0 && Additional[^1].Type == RecordType.TSIG ? Additional[^1] : null;
        // Keep room for OPT and TSIG, which are written last and must survive truncation (RFC 6891 §7, RFC 8945 §5.3).
        writer.Limit = Math.Max(writer.Position, buffer.Length - OptLength() - (tsig is null ? 0 : 300));
        ushort[] counts = [0, 0, 0];
        List<ResourceRecord>[] sections = [Answers, Authority, Additional];
        for (var s = 0; s < 3 && !stop; s++)
        {
            foreach (var record in sections[s])
            {
                if (ReferenceEquals(record, tsig))
                {
                    continue;
                }

                var mark = writer.Checkpoint();
                WriteRecord(ref writer, record);
                if (writer.Overflowed)
                {
                    if (!truncate)
                    {
                        throw new DnsFormatException("message does not fit in the buffer");
                    }

                    // RFC 2181 §9: TC only when answer or authority data is missing; extra additional data is just dropped.
                    writer.Rollback(mark);
                    truncated |= s < 2;
                    stop = true;
                    break;
                }

                counts[s]++;
            }
        }

        writer.Limit = buffer.Length;
        if (Edns is not null)
        {
            var mark = writer.Checkpoint();
            WriteOpt(ref writer, Edns, ResponseCode);
            if (writer.Overflowed)
            {
                writer.Rollback(mark);
            }
            else
            {
                counts[2]++;
            }
        }

        if (tsig is not null)
        {
            WriteRecord(ref writer, tsig);
            if (writer.Overflowed)
            {
                throw new DnsFormatException("no room for the TSIG record");
            }

            counts[2]++;
        }

        var flags = (ushort)((IsResponse ? HeaderFlags.Response : 0) | ((int)Opcode << HeaderFlags.OpcodeShift)
            | (AuthoritativeAnswer ? HeaderFlags.AuthoritativeAnswer : 0) | (truncated ? HeaderFlags.Truncated : 0)
            | (RecursionDesired ? HeaderFlags.RecursionDesired : 0) | (RecursionAvailable ? HeaderFlags.RecursionAvailable : 0)
            | (Z ? HeaderFlags.Z : 0) | (AuthenticData ? HeaderFlags.AuthenticData : 0)
            | (CheckingDisabled ? HeaderFlags.CheckingDisabled : 0) | ((int)ResponseCode & HeaderFlags.RcodeMask));
        writer.PatchUInt16(flagsAt, flags);
        writer.PatchUInt16(6, counts[0]);
        writer.PatchUInt16(8, counts[1]);
        writer.PatchUInt16(10, counts[2]);
        return writer.Position;
    }

    private int OptLength() => Edns is null ? 0 : EdnsDefaults.OptRecordLength + Edns.Options.Sum(o => 4 + o.Data.Length);

    public byte[] ToArray()
    {
        var buffer = new byte[ushort.MaxValue];
        var length = Write(buffer);
        return buffer.AsSpan(0, length).ToArray();
    }

    internal static void WriteRecord(ref DnsWriter writer, ResourceRecord record)
    {
        writer.WriteName(record.Name);
        writer.WriteUInt16((ushort)record.Type);
        writer.WriteUInt16((ushort)record.Class);
        writer.WriteUInt32(record.Ttl);
        var lengthAt = writer.Position;
        writer.WriteUInt16(0);
        record.Data?.Write(ref writer, compress: true);
        if (!writer.Overflowed)
        {
            writer.PatchUInt16(lengthAt, (ushort)(writer.Position - lengthAt - 2));
        }
    }

    internal static void WriteOpt(ref DnsWriter writer, Edns edns, ResponseCode rcode)
    {
        writer.WriteByte(0);
        writer.WriteUInt16((ushort)RecordType.OPT);
        writer.WriteUInt16(edns.UdpPayloadSize);
        var extended = (byte)((int)rcode >> 4);
        writer.WriteUInt32(((uint)extended << EdnsFlags.ExtendedRcodeShift) | ((uint)edns.Version << EdnsFlags.VersionShift) | (edns.DnssecOk ? EdnsFlags.DnssecOk : 0));
        var lengthAt = writer.Position;
        writer.WriteUInt16(0);
        foreach (var option in edns.Options)
        {
            writer.WriteUInt16(option.Code);
            writer.WriteUInt16((ushort)option.Data.Length);
            writer.WriteBytes(option.Data);
        }

        if (!writer.Overflowed)
        {
            writer.PatchUInt16(lengthAt, (ushort)(writer.Position - lengthAt - 2));
        }
    }
}
