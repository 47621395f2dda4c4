using System.Text;
using Kindling.Dns.Records;

namespace Kindling.Dns.Zones;

/// <summary>One logical entry of a zone file: its tokens (parentheses already joined) and whether it began with a blank.</summary>
internal readonly record struct ZoneLine(List<ZoneToken> Tokens, bool StartsWithBlank, int Line);

/// <summary>
/// Splits master-file text into entries (RFC 1035 §5.1): <c>;</c> comments, <c>( )</c> continuing an entry over lines,
/// <c>"quoted strings"</c>, and backslash escapes (left in the token text for the consumer to decode). Reads the
/// text as a stream, one entry at a time.
/// </summary>
internal sealed class ZoneTokenizer(TextReader reader, string file)
{
    private int _line = 1;
    private int _column;
    private int _peeked = -2;

    public string File { get; } = file;

    public ZoneLine? NextLine()
    {
        while (true)
        {
            var tokens = new List<ZoneToken>();
            var startLine = _line;
            var startsWithBlank = Peek() is ' ' or '\t';
            var more = ReadEntryTokens(tokens);
            if (tokens.Count > 0)
            {
                return new ZoneLine(tokens, startsWithBlank, startLine);
            }

            if (!more)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Reads the tokens of one entry into <paramref name="tokens"/>, up to the newline that ends it outside parentheses;
    /// false when the text ended instead.
    /// </summary>
    private bool ReadEntryTokens(List<ZoneToken> tokens)
    {
        var depth = 0;
        var parenLine = 0;
        var parenColumn = 0;
        while (true)
        {
            var c = Peek();
            switch (c)
            {
                case -1:
                    if (depth > 0)
                    {
                        throw new ZoneFileException(File, parenLine, parenColumn, "'(' is never closed");
                    }

                    return false;
                case '\n':
                    Read();
                    if (depth == 0)
                    {
                        return true;
                    }

                    break;
                case ' ' or '\t' or '\r':
                    Read();
                    break;
                case ';':
                    SkipComment();
                    break;
                case '(':
                    if (depth == 0)
                    {
                        parenLine = _line;
                        parenColumn = _column + 1;
                    }

                    Read();
                    depth++;
                    break;
                case ')':
                    if (depth == 0)
                    {
                        throw new ZoneFileException(File, _line, _column + 1, "')' without a matching '('");
                    }

                    Read();
                    depth--;
                    break;
                default:
                    tokens.Add(c == '"' ? ReadQuoted() : ReadWord());
                    break;
            }
        }
    }

    /// <summary>Skips a <c>;</c> comment up to (not including) the end of its line.</summary>
    private void SkipComment()
    {
        while (Peek() is not ('\n' or -1))
        {
            Read();
        }
    }

    private ZoneToken ReadWord()
    {
        var line = _line;
        var column = _column + 1;
        var sb = new StringBuilder();
        while (true)
        {
            var c = Peek();
            if (c is -1 or ' ' or '\t' or '\r' or '\n' or ';' or '(' or ')' or '"')
            {
                break;
            }

            Read();
            sb.Append((char)c);
            if (c == '\\')
            {
                var next = Peek();
                if (next is -1 or '\n')
                {
                    throw new ZoneFileException(File, _line, _column, "backslash at the end of a line");
                }

                sb.Append((char)Read());
            }
        }

        return new ZoneToken(sb.ToString(), false, line, column);
    }

    private ZoneToken ReadQuoted()
    {
        var line = _line;
        var column = _column + 1;
        Read();
        var sb = new StringBuilder();
        while (true)
        {
            var c = Read();
            if (c is -1 or '\n')
            {
                throw new ZoneFileException(File, line, column, "quoted string is not closed on its line");
            }

            if (c == '"')
            {
                return new ZoneToken(sb.ToString(), true, line, column);
            }

            sb.Append((char)c);
            if (c == '\\')
            {
                var next = Read();
                if (next is -1 or '\n')
                {
                    throw new ZoneFileException(File, line, column, "quoted string is not closed on its line");
                }

                sb.Append((char)next);
            }
        }
    }

    private int Peek()
    {
        if (_peeked == -2)
        {
            _peeked = reader.Read();
        }

        return _peeked;
    }

    private int Read()
    {
        var c = Peek();
        _peeked = -2;
        if (c == '\n')
        {
            _line++;
            _column = 0;
        }
        else if (c != -1)
        {
            _column++;
        }

        return c;
    }
}
