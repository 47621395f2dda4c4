using System.Text;

namespace Kindling.Dns.Records;

/// <summary>Presentation of &lt;character-string&gt;s (RFC 1035 §5.1): quoted, with <c>"</c> and <c>\</c> escaped, other
/// non-printable octets as <c>\DDD</c> (the form BIND prints).</summary>
internal static class CharacterString
{
    public static void Append(StringBuilder sb, ReadOnlySpan<byte> text)
    {
        sb.Append('"');
        foreach (var b in text)
        {
            if (b is (byte)'"' or (byte)'\\')
            {
                sb.Append('\\').Append((char)b);
            }
            else if (b is < 0x20 or > 0x7e)
            {
                sb.Append('\\').Append(b.ToString("D3"));
            }
            else
            {
                sb.Append((char)b);
            }
        }

        sb.Append('"');
    }

    public static string Format(ReadOnlySpan<byte> text)
    {
        var sb = new StringBuilder(text.Length + 2);
        Append(sb, text);
        return sb.ToString();
    }
}
