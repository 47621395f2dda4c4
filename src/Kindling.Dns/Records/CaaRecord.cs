using System.Text;
using Kindling.Dns.Wire;

namespace Kindling.Dns.Records;

/// <summary>CAA: certification authority authorization (RFC 8659 §4.1): flags, a tag of 1..15 letters/digits, a value.</summary>
internal sealed class CaaRecord(byte flags, string tag, byte[] value) : RecordData
{
    public byte Flags { get; } = flags;

    public string Tag { get; } = tag;

    public byte[] Value { get; } = value;

    public override RecordType Type => RecordType.CAA;

    public override void Write(ref DnsWriter writer, bool compress)
    {
        writer.WriteByte(Flags);
        writer.WriteCharacterString(Encoding.ASCII.GetBytes(Tag));
        writer.WriteBytes(Value);
    }

    public override string ToString() => $"{Flags} {Tag} {CharacterString.Format(Value)}";

    internal static CaaRecord Read(ref DnsReader reader, int end)
    {
        var flags = reader.ReadByte();
        var tag = reader.ReadCharacterString();
        if (tag.Length == 0)
        {
            throw new DnsFormatException("CAA tag is empty");
        }

        var tagText = Encoding.Latin1.GetString(tag);
        return new CaaRecord(flags, tagText, reader.ReadBytes(end - reader.Position).ToArray());
    }

    internal static CaaRecord Parse(RdataText text)
    {
        var flags = text.NextByte("CAA flags");
        var tagToken = text.Next("CAA tag");
        if (tagToken.Text.Length is 0 or > 15 || !tagToken.Text.All(char.IsAsciiLetterOrDigit))
        {
            throw RdataText.Error($"bad CAA tag '{tagToken.Text}': 1..15 letters or digits", tagToken);
        }

        var valueToken = text.Next("CAA value");
        return new CaaRecord(flags, tagToken.Text, RdataText.Unescape(valueToken));
    }
}
