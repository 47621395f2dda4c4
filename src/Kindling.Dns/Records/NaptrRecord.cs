using System.Text;
using Kindling.Dns.Wire;

namespace Kindling.Dns.Records;

/// <summary>NAPTR: naming authority pointer (RFC 3403 §4.1). The replacement name is not compressed.</summary>
internal sealed class NaptrRecord(ushort order, ushort preference, byte[] flags, byte[] services, byte[] regexp, DomainName replacement) : RecordData
{
    public ushort Order { get; } = order;

    public ushort Preference { get; } = preference;

    public byte[] Flags { get; } = flags;

    public byte[] Services { get; } = services;

    public byte[] Regexp { get; } = regexp;

    public DomainName Replacement { get; } = replacement;

    public override RecordType Type => RecordType.NAPTR;

    public override void Write(ref DnsWriter writer, bool compress)
    {
        writer.WriteUInt16(Order);
        writer.WriteUInt16(Preference);
        writer.WriteCharacterString(Flags);
        writer.WriteCharacterString(Services);
        writer.WriteCharacterString(Regexp);
        writer.WriteName(Replacement, compress: false);
    }

    public override string ToString()
    {
        var sb = new StringBuilder().Append(Order).Append(' ').Append(Preference).Append(' ');
        CharacterString.Append(sb, Flags);
        sb.Append(' ');
        CharacterString.Append(sb, Services);
        sb.Append(' ');
        CharacterString.Append(sb, Regexp);
        return sb.Append(' ').Append(Replacement).ToString();
    }

    public override bool CanonicalEquals(RecordData other) =>
        other is NaptrRecord n && n.ToWire().AsSpan()[..^Replacement.WireLength].SequenceEqual(ToWire().AsSpan()[..^Replacement.WireLength])
        && n.Replacement == Replacement;

    internal static NaptrRecord Read(ref DnsReader reader) =>
        new(reader.ReadUInt16(), reader.ReadUInt16(), reader.ReadCharacterString().ToArray(), reader.ReadCharacterString().ToArray(),
            reader.ReadCharacterString().ToArray(), reader.ReadName());

    internal static NaptrRecord Parse(RdataText text) =>
        new(text.NextUInt16("NAPTR order"), text.NextUInt16("NAPTR preference"), text.NextCharacterString("NAPTR flags"),
            text.NextCharacterString("NAPTR services"), text.NextCharacterString("NAPTR regexp"), text.NextName("NAPTR replacement"));
}
