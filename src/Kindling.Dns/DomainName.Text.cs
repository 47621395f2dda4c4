using System.Text;

namespace Kindling.Dns;

/// <summary>The presentation format of a name (RFC 1035 §5.1): parsing text with its escapes, and writing it back.</summary>
public readonly partial struct DomainName
{
    /// <summary>Parses an absolute name in presentation format (RFC 1035 §5.1 escapes); a missing final dot is allowed.</summary>
    public static DomainName Parse(string text) => Parse(text, Root);

    /// <summary>Parses a name; names without a final dot are relative to <paramref name="origin"/>; <c>@</c> is the origin.</summary>
    public static DomainName Parse(ReadOnlySpan<char> text, DomainName origin)
    {
        if (!TryParse(text, origin, out var name, out var error))
        {
            throw new DnsFormatException($"bad name '{text}': {error}");
        }

        return name;
    }

    public static bool TryParse(ReadOnlySpan<char> text, DomainName origin, out DomainName name, out string? error)
    {
        name = Root;
        error = null;
        if (text.Length == 0)
        {
            error = "empty name";
            return false;
        }

        if (text is "@")
        {
            name = origin;
            return true;
        }

        if (text is ".")
        {
            return true;
        }

        Span<byte> wire = stackalloc byte[MaxWireLength + 64];
        if (!TryEncodeLabels(text, wire, out var length, out var absolute, out error))
        {
            return false;
        }

        if (absolute)
        {
            wire[length++] = 0;
        }
        else if (!TryAppendOrigin(wire, ref length, origin, out error))
        {
            return false;
        }

        if (length > MaxWireLength)
        {
            error = "name longer than 255 octets";
            return false;
        }

        name = new DomainName(wire[..length].ToArray());
        return true;
    }

    /// <summary>
    /// Writes the labels of presentation-format <paramref name="text"/> into <paramref name="wire"/> as length-prefixed
    /// labels without the final root label; <paramref name="absolute"/> tells whether the text ended with a dot.
    /// </summary>
    private static bool TryEncodeLabels(ReadOnlySpan<char> text, Span<byte> wire, out int length, out bool absolute, out string? error)
    {
        error = null;
        absolute = false;
        var labelStart = 0;
        wire[0] = 0;
        length = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '.')
            {
                if (length - labelStart == 1)
                {
                    error = "empty label";
                    return false;
                }

                if (i == text.Length - 1)
                {
                    absolute = true;
                    break;
                }

                labelStart = length;
                wire[length++] = 0;
                continue;
            }

            int octet;
            if (c == '\\')
            {
                if (!TryReadEscape(text, ref i, out octet, out error))
                {
                    return false;
                }
            }
            else
            {
                octet = c;
            }

            if (!TryAppendOctet(wire, ref length, labelStart, octet, out error))
            {
                return false;
            }
        }

        if (length - labelStart == 1)
        {
            error = "empty label";
            return false;
        }

        return true;
    }

    /// <summary>Reads the escape whose backslash is at <paramref name="i"/> (<c>\X</c> or <c>\DDD</c>); leaves <paramref name="i"/> on its last character.</summary>
    private static bool TryReadEscape(ReadOnlySpan<char> text, ref int i, out int octet, out string? error)
    {
        octet = 0;
        error = null;
        if (i + 1 >= text.Length)
        {
            error = "dangling backslash";
            return false;
        }

        if (!char.IsAsciiDigit(text[i + 1]))
        {
            octet = text[++i];
            return true;
        }

        if (i + 3 >= text.Length || !char.IsAsciiDigit(text[i + 2]) || !char.IsAsciiDigit(text[i + 3]))
        {
            error = "\\DDD escape needs three digits";
            return false;
        }

        octet = ((text[i + 1] - '0') * 100) + ((text[i + 2] - '0') * 10) + (text[i + 3] - '0');
        if (octet > 255)
        {
            error = "\\DDD escape above 255";
            return false;
        }

        i += 3;
        return true;
    }

    /// <summary>Appends one octet to the label that starts at <paramref name="labelStart"/>, checking label and name lengths.</summary>
    private static bool TryAppendOctet(Span<byte> wire, ref int length, int labelStart, int octet, out string? error)
    {
        error = null;
        if (octet > 255)
        {
            error = "non-ASCII character (use \\DDD escapes or punycode)";
            return false;
        }

        if (length - labelStart - 1 >= MaxLabelLength)
        {
            error = "label longer than 63 octets";
            return false;
        }

        if (length >= MaxWireLength)
        {
            error = "name longer than 255 octets";
            return false;
        }

        wire[length++] = (byte)octet;
        wire[labelStart]++;
        return true;
    }

    /// <summary>Appends <paramref name="origin"/>'s wire form (root label included) after a relative name's labels.</summary>
    private static bool TryAppendOrigin(Span<byte> wire, ref int length, DomainName origin, out string? error)
    {
        error = null;
        var originWire = origin.Wire;
        if (length + originWire.Length > MaxWireLength)
        {
            error = "name longer than 255 octets";
            return false;
        }

        originWire.CopyTo(wire[length..]);
        length += originWire.Length;
        return true;
    }

    /// <summary>Presentation format (RFC 1035 §5.1) with a final dot; special and non-printable octets escaped.</summary>
    public override string ToString()
    {
        if (IsRoot)
        {
            return ".";
        }

        var sb = new StringBuilder(WireLength + 8);
        var wire = Wire;
        for (var i = 0; wire[i] != 0; i += wire[i] + 1)
        {
            AppendLabel(sb, wire.Slice(i + 1, wire[i]));
            sb.Append('.');
        }

        return sb.ToString();
    }

    internal static void AppendLabel(StringBuilder sb, ReadOnlySpan<byte> label)
    {
        foreach (var b in label)
        {
            switch (b)
            {
                case (byte)'.' or (byte)'\\' or (byte)'"' or (byte)'(' or (byte)')' or (byte)';' or (byte)'@' or (byte)'$':
                    sb.Append('\\').Append((char)b);
                    break;
                case < 0x21 or > 0x7e:
                    sb.Append('\\').Append(b.ToString("D3"));
                    break;
                default:
                    sb.Append((char)b);
                    break;
            }
        }
    }
}
