using System.Globalization;
using System.Text;

namespace Kindling.Dns.Records;

/// <summary>One token of zone-file text: a word or a quoted string (escapes still in place), with its position.</summary>
public readonly record struct ZoneToken(string Text, bool Quoted, int Line, int Column);

/// <summary>The RDATA tokens of one record, read left to right by the record types' parsers.</summary>
public sealed class RdataText(IReadOnlyList<ZoneToken> tokens, DomainName origin, int line = 0, int column = 0)
{
    private int _index;

    public DomainName Origin { get; } = origin;

    public bool AtEnd => _index >= tokens.Count;

    /// <summary>Builds tokens from a string (tests, CLI input): split on blanks, double quotes group.</summary>
    public static RdataText FromString(string text, DomainName origin)
    {
        var list = new List<ZoneToken>();
        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }

            var sb = new StringBuilder();
            var quoted = text[i] == '"';
            var start = i;
            if (quoted)
            {
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        sb.Append(text[i++]);
                    }

                    sb.Append(text[i++]);
                }

                i++;
            }
            else
            {
                while (i < text.Length && !char.IsWhiteSpace(text[i]))
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        sb.Append(text[i++]);
                    }

                    sb.Append(text[i++]);
                }
            }

            list.Add(new ZoneToken(sb.ToString(), quoted, 1, start + 1));
        }

        return new RdataText(list, origin);
    }

    public bool PeekIsGenericMarker() => !AtEnd && !tokens[_index].Quoted && tokens[_index].Text == "\\#";

    public ZoneToken Next(string what)
    {
        if (AtEnd)
        {
            throw Error($"missing {what}");
        }

        return tokens[_index++];
    }

    public string NextWord(string what) => Next(what).Text;

    public DomainName NextName(string what = "domain name")
    {
        var token = Next(what);
        if (!DomainName.TryParse(token.Text, Origin, out var name, out var error))
        {
            throw Error($"bad {what} '{token.Text}': {error}", token);
        }

        return name;
    }

    public ushort NextUInt16(string what)
    {
        var token = Next(what);
        if (!ushort.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw Error($"bad {what} '{token.Text}': expected a number 0..65535", token);
        }

        return value;
    }

    public byte NextByte(string what)
    {
        var token = Next(what);
        if (!byte.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw Error($"bad {what} '{token.Text}': expected a number 0..255", token);
        }

        return value;
    }

    /// <summary>A 32-bit number, or (for SOA timers) a BIND duration such as <c>1D</c> or <c>3h30m</c>.</summary>
    public uint NextUInt32(string what, bool allowUnits = false)
    {
        var token = Next(what);
        if (uint.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        if (allowUnits && Ttl.TryParse(token.Text, out value))
        {
            return value;
        }

        throw Error($"bad {what} '{token.Text}': expected a number{(allowUnits ? " or a duration like 1D, 3H, 1W" : "")}", token);
    }

    /// <summary>A &lt;character-string&gt;: a word or quoted string with \X and \DDD escapes decoded (RFC 1035 §5.1).</summary>
    public byte[] NextCharacterString(string what)
    {
        var token = Next(what);
        var bytes = Unescape(token);
        if (bytes.Length > 255)
        {
            throw Error($"{what} longer than 255 octets", token);
        }

        return bytes;
    }

    /// <summary>All remaining tokens joined without blanks (base64/hex fields that zone files may split).</summary>
    public string Rest()
    {
        var sb = new StringBuilder();
        while (!AtEnd)
        {
            sb.Append(tokens[_index++].Text);
        }

        return sb.ToString();
    }

    public void ExpectEnd()
    {
        if (!AtEnd)
        {
            throw Error($"unexpected '{tokens[_index].Text}' after the record data", tokens[_index]);
        }
    }

    public DnsFormatException Error(string message) =>
        Error(message, AtEnd ? (tokens.Count > 0 ? tokens[^1] : new ZoneToken("", false, line, column)) : tokens[_index]);

    public static DnsFormatException Error(string message, ZoneToken at) => new ZoneSyntaxException(message, at.Line, at.Column);

    public static byte[] Unescape(ZoneToken token)
    {
        var text = token.Text;
        var bytes = new List<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length)
            {
                if (i + 3 < text.Length && char.IsAsciiDigit(text[i + 1]) && char.IsAsciiDigit(text[i + 2]) && char.IsAsciiDigit(text[i + 3]))
                {
                    var v = ((text[i + 1] - '0') * 100) + ((text[i + 2] - '0') * 10) + (text[i + 3] - '0');
                    if (v > 255)
                    {
                        throw Error($"escape \\{text.Substring(i + 1, 3)} above 255", token);
                    }

                    bytes.Add((byte)v);
                    i += 3;
                    continue;
                }

                c = text[++i];
            }

            if (c > 0xFF)
            {
                foreach (var b in Encoding.UTF8.GetBytes(c.ToString()))
                {
                    bytes.Add(b);
                }
            }
            else
            {
                bytes.Add((byte)c);
            }
        }

        return [.. bytes];
    }
}

/// <summary>A syntax error at a line and column; the zone reader adds the file name.</summary>
internal sealed class ZoneSyntaxException(string message, int line, int column) : DnsFormatException(message)
{
    public int Line { get; } = line;

    public int Column { get; } = column;

    public string What { get; } = message;
}
