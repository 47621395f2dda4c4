using System.Text;
using Kindling.Dns.Wire;

namespace Kindling.Dns.Records;

/// <summary>TXT: one or more character-strings (RFC 1035 §3.3.14).</summary>
public sealed class TxtRecord : RecordData
{
    public TxtRecord(IReadOnlyList<byte[]> strings)
    {
        if (strings.Count == 0)
        {
            throw new DnsFormatException("a TXT record holds at least one character-string");
        }

        Strings = strings;
    }

    public TxtRecord(params string[] strings)
        : this(strings.Select(s => Encoding.UTF8.GetBytes(s)).ToArray())
    {
    }

    public IReadOnlyList<byte[]> Strings { get; }

    public override RecordType Type => RecordType.TXT;

    public override void Write(ref DnsWriter writer, bool compress)
    {
        foreach (var s in Strings)
        {
            writer.WriteCharacterString(s);
        }
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var s in Strings)
        {
            if (sb.Length > 0)
            {
                sb.Append(' ');
            }

            CharacterString.Append(sb, s);
        }

        return sb.ToString();
    }

    internal static TxtRecord Read(ref DnsReader reader, int end)
    {
        var strings = new List<byte[]>();
        do
        {
            strings.Add(reader.ReadCharacterString().ToArray());
        }
        while (reader.Position < end);
        return new TxtRecord(strings);
    }

    internal static TxtRecord Parse(RdataText text)
    {
        var strings = new List<byte[]> { text.NextCharacterString("TXT string") };
        while (!text.AtEnd)
        {
            strings.Add(text.NextCharacterString("TXT string"));
        }

        return new TxtRecord(strings);
    }
}
