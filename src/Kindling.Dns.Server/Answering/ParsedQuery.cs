using System.Buffers.Binary;
using Kindling.Dns.Wire;

namespace Kindling.Dns.Server.Answering;

/// <summary>What the hot path needs from a query, read straight from the packet without allocating.</summary>
internal ref struct ParsedQuery
{
    public ushort Id;
    public ushort Flags;
    public Opcode Opcode;
    public int QuestionNameOffset;
    public int QuestionNameLength;
    public RecordType Type;
    public RecordClass Class;
    public bool HasEdns;
    public ushort UdpPayloadSize;
    public byte EdnsVersion;
    public bool DnssecOk;
    public bool HasTsig;
    public bool HasQuestion;
    public int LowerNameLength;

    public readonly bool RecursionDesired => (Flags & HeaderFlags.RecursionDesired) != 0;

    public readonly bool CheckingDisabled => (Flags & HeaderFlags.CheckingDisabled) != 0;
}

/// <summary>Outcome of reading a query packet.</summary>
internal enum QueryParse
{
    Ok,
    /// <summary>Not worth an answer (shorter than a header, or a response): drop silently as BIND does.</summary>
    Drop,
    /// <summary>Malformed: answer FORMERR.</summary>
    FormErr,
}

internal static class QueryParser
{
    /// <summary>
    /// Reads the header, the one question (its name uncompressed into <paramref name="originalName"/> and lowered into <paramref name="lowerName"/>) and the additional section
    /// (EDNS OPT, RFC 6891 §6.1; a trailing TSIG is noted for the slow path).
    /// </summary>
    public static QueryParse Parse(ReadOnlySpan<byte> packet, Span<byte> originalName, Span<byte> lowerName, out ParsedQuery query)
    {
        query = default;
        if (packet.Length < 12)
        {
            return QueryParse.Drop;
        }

        query.Id = BinaryPrimitives.ReadUInt16BigEndian(packet);
        query.Flags = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if ((query.Flags & HeaderFlags.Response) != 0)
        {
            return QueryParse.Drop;
        }

        query.Opcode = (Opcode)((query.Flags & HeaderFlags.OpcodeMask) >> HeaderFlags.OpcodeShift);
        var qd = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        var an = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
        var ns = BinaryPrimitives.ReadUInt16BigEndian(packet[8..]);
        var ar = BinaryPrimitives.ReadUInt16BigEndian(packet[10..]);
        if (qd > 1)
        {
            return QueryParse.FormErr; // BIND does not read further either: FORMERR without question or OPT
        }

        try
        {
            var reader = new DnsReader(packet, 12);
            if (qd == 1)
            {
                query.QuestionNameOffset = 12;
                var length = reader.ReadName(originalName);
                query.QuestionNameLength = reader.Position - 12;
                query.LowerNameLength = length;
                originalName[..length].CopyTo(lowerName);
                DomainName.LowerInPlace(lowerName[..length]);
                query.Type = (RecordType)reader.ReadUInt16();
                query.Class = (RecordClass)reader.ReadUInt16();
                query.HasQuestion = true;
            }

            Span<byte> scratch = stackalloc byte[DomainName.MaxWireLength];
            var records = an + ns + ar;
            for (var i = 0; i < records; i++)
            {
                var ownerLength = reader.ReadName(scratch);
                var type = (RecordType)reader.ReadUInt16();
                var cls = reader.ReadUInt16();
                var ttl = reader.ReadUInt32();
                var rdlength = reader.ReadUInt16();
                reader.ReadBytes(rdlength);
                if (i < an + ns)
                {
                    continue;
                }

                if (type == RecordType.OPT)
                {
                    if (query.HasEdns || ownerLength != 1)
                    {
                        return QueryParse.FormErr; // RFC 6891 §6.1.1: one OPT, owned by the root
                    }

                    query.HasEdns = true;
                    query.UdpPayloadSize = cls;
                    query.EdnsVersion = (byte)(ttl >> EdnsFlags.VersionShift);
                    query.DnssecOk = (ttl & EdnsFlags.DnssecOk) != 0;
                }
                else if (type == RecordType.TSIG)
                {
                    query.HasTsig = true;
                }
            }

            // Octets after the last record are ignored, as BIND ignores them.
        }
        catch (DnsFormatException)
        {
            // As BIND: the FORMERR echoes a question that was read whole, but no OPT (EDNS is only honoured in a
            // message that parsed).
            query.HasEdns = false;
            return QueryParse.FormErr;
        }

        // No question (RFC 1035 §4.1.2 asks for one): FORMERR, with OPT when the query had one (RFC 6891 §7).
        return query.HasQuestion ? QueryParse.Ok : QueryParse.FormErr;
    }
}
