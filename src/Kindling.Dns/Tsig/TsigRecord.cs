using System.Text;
using Kindling.Dns.Wire;

namespace Kindling.Dns.Records;

/// <summary>TSIG RDATA (RFC 8945 §4.2): algorithm, time signed (48 bits), fudge, MAC, original ID, error, other data.</summary>
public sealed class TsigRecord(DomainName algorithm, ulong timeSigned, ushort fudge, byte[] mac, ushort originalId, ResponseCode error, byte[] otherData) : RecordData
{
    public DomainName Algorithm { get; } = algorithm;

    public ulong TimeSigned { get; } = timeSigned;

    public ushort Fudge { get; } = fudge;

    public byte[] Mac { get; } = mac;

    public ushort OriginalId { get; } = originalId;

    public ResponseCode Error { get; } = error;

    public byte[] OtherData { get; } = otherData;

    public override RecordType Type => RecordType.TSIG;

    public override void Write(ref DnsWriter writer, bool compress)
    {
        writer.WriteName(Algorithm, compress: false);
        WriteTime(ref writer, TimeSigned);
        writer.WriteUInt16(Fudge);
        writer.WriteUInt16((ushort)Mac.Length);
        writer.WriteBytes(Mac);
        writer.WriteUInt16(OriginalId);
        writer.WriteUInt16((ushort)Error);
        writer.WriteUInt16((ushort)OtherData.Length);
        writer.WriteBytes(OtherData);
    }

    internal static void WriteTime(ref DnsWriter writer, ulong time)
    {
        writer.WriteUInt16((ushort)(time >> 32));
        writer.WriteUInt32((uint)time);
    }

    public override string ToString() =>
        new StringBuilder().Append(Algorithm).Append(' ').Append(TimeSigned).Append(' ').Append(Fudge).Append(' ').Append(Mac.Length).Append(' ')
            .Append(Convert.ToBase64String(Mac)).Append(' ').Append(OriginalId).Append(' ').Append(Error).Append(' ').Append(OtherData.Length)
            .Append(OtherData.Length > 0 ? " " + Convert.ToBase64String(OtherData) : "").ToString();

    internal static TsigRecord Read(ref DnsReader reader, int length)
    {
        var end = reader.Position + length;
        var algorithm = reader.ReadName();
        var time = ((ulong)reader.ReadUInt16() << 32) | reader.ReadUInt32();
        var fudge = reader.ReadUInt16();
        var mac = reader.ReadBytes(reader.ReadUInt16()).ToArray();
        var originalId = reader.ReadUInt16();
        var error = (ResponseCode)reader.ReadUInt16();
        var other = reader.ReadBytes(reader.ReadUInt16()).ToArray();
        if (reader.Position != end)
        {
            throw new DnsFormatException("TSIG RDATA length does not match its content");
        }

        return new TsigRecord(algorithm, time, fudge, mac, originalId, error, other);
    }
}
