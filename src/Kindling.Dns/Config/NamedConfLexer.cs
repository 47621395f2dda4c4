using System.Text;

namespace Kindling.Dns.Config;

/// <summary>
/// Splits named.conf text into tokens: words, <c>"quoted strings"</c>, <c>{</c>, <c>}</c> and <c>;</c>, skipping white space
/// and <c>#</c>, <c>//</c> and <c>/* */</c> comments; counts lines for error messages.
/// </summary>
internal sealed class NamedConfLexer(string text, string file)
{
    /// <summary>A token: its kind (<c>w</c> word, <c>"</c> quoted string, or the brace or semicolon itself), text and line.</summary>
    internal readonly record struct Token(char Kind, string Text, int Line);

    private int _position;

    public string File { get; } = file;

    public int Line { get; private set; } = 1;

    public Token? Next()
    {
        while (_position < text.Length)
        {
            var c = text[_position];
            if (c == '\n')
            {
                Line++;
                _position++;
            }
            else if (char.IsWhiteSpace(c))
            {
                _position++;
            }
            else if (c == '#' || (c == '/' && Peek(1) == '/'))
            {
                SkipLineComment();
            }
            else if (c == '/' && Peek(1) == '*')
            {
                SkipBlockComment();
            }
            else if (c is '{' or '}' or ';')
            {
                _position++;
                return new Token(c, c.ToString(), Line);
            }
            else if (c == '"')
            {
                return ReadQuoted();
            }
            else
            {
                return ReadWord();
            }
        }

        return null;
    }

    /// <summary>Skips a <c>#</c> or <c>//</c> comment up to (not including) the end of its line.</summary>
    private void SkipLineComment()
    {
        while (_position < text.Length && text[_position] != '\n')
        {
            _position++;
        }
    }

    /// <summary>Skips a <c>/* ... */</c> comment, counting the lines it spans.</summary>
    private void SkipBlockComment()
    {
        var start = Line;
        _position += 2;
        while (_position < text.Length && !(text[_position] == '*' && Peek(1) == '/'))
        {
            if (text[_position] == '\n')
            {
                Line++;
            }

            _position++;
        }

        if (_position >= text.Length)
        {
            throw new NamedConfException(File, start, "comment '/*' is never closed");
        }

        _position += 2;
    }

    /// <summary>Reads a <c>"quoted string"</c>; a backslash takes the next character as it is.</summary>
    private Token ReadQuoted()
    {
        var start = Line;
        var sb = new StringBuilder();
        _position++;
        while (true)
        {
            if (_position >= text.Length)
            {
                throw new NamedConfException(File, start, "quoted string is never closed");
            }

            var d = text[_position++];
            if (d == '"')
            {
                break;
            }

            if (d == '\\' && _position < text.Length)
            {
                d = text[_position++];
            }

            if (d == '\n')
            {
                Line++;
            }

            sb.Append(d);
        }

        return new Token('"', sb.ToString(), start);
    }

    /// <summary>Reads a bare word up to white space, a brace, ';', a quote or the start of a comment.</summary>
    private Token ReadWord()
    {
        var start = _position;
        while (_position < text.Length && !char.IsWhiteSpace(text[_position]) && text[_position] is not ('{' or '}' or ';' or '"')
            && !(text[_position] == '/' && Peek(1) is '/' or '*') && text[_position] != '#')
        {
            _position++;
        }

        return new Token('w', text[start.._position], Line);
    }

    private char Peek(int ahead) => _position + ahead < text.Length ? text[_position + ahead] : '\0';
}
