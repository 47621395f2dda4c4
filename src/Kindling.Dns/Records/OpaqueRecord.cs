using System.Globalization;
using Kindling.Dns.Wire;

namespace Kindling.Dns.Records;

/// <summary>RDATA of a type Kindling does not interpret, kept octet for octet (RFC 3597 §5: <c>\# length hex</c>).</summary>
internal sealed class OpaqueRecord(RecordType type, byte[] data) : RecordData
{
    public byte[] Data { get; } = data;

    public override RecordType Type { get; } = type;

    public override void Write(ref DnsWriter writer, bool compress) => writer.WriteBytes(Data);

    public override string ToString() => Data.Length == 0 ? "\\# 0" : $"\\# {Data.Length} {Convert.ToHexString(Data)}";

    internal static byte[] ParseGeneric(RdataText text)
    {
        text.Next("\\#");
        var lengthToken = text.Next("RDATA length");
        if (!int.TryParse(lengthToken.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length > ushort.MaxValue)
        {
            throw RdataText.Error($"bad RDATA length '{lengthToken.Text}'", lengthToken);
        }

        var hex = text.Rest();
        if (hex.Length != length * 2)
        {
            throw text.Error($"RDATA length {length} does not match {hex.Length / 2.0} octets of hex data");
        }

        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            throw text.Error($"bad hex data '{hex}'");
        }
    }
}
