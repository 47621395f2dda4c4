using System.Text;

namespace Kindling.Dns.Config;

/// <summary>An error in named.conf, reported as <c>file:line: what is wrong</c>.</summary>
public sealed class NamedConfException(string file, int line, string what) : Exception($"{file}:{line}: {what}")
{
    public string File { get; } = file;

    public int Line { get; } = line;
}

/// <summary>A word or quoted string of named.conf with its place.</summary>
public readonly record struct ConfWord(string Text, bool Quoted, string File, int Line)
{
    public override string ToString() => Text;
}

/// <summary>
/// One statement of BIND's configuration grammar: words, an optional <c>{ block }</c>, a terminating <c>;</c>.
/// Address-match-list elements and nested lists are statements too.
/// </summary>
public sealed record ConfStatement(IReadOnlyList<ConfWord> Words, IReadOnlyList<ConfStatement>? Block, string File, int Line)
{
    public string Keyword => Words.Count > 0 ? Words[0].Text.ToLowerInvariant() : "";

    public NamedConfException Error(string what) => new(File, Line, what);
}

/// <summary>
/// Reads named.conf text into <see cref="ConfStatement"/>s: comments in the three styles (<c>//</c>, <c>#</c>,
/// <c>/* */</c>), quoted strings, braces, semicolons; <c>include "file";</c> is expanded where it stands (relative paths
/// against the including file's folder).
/// </summary>
internal static class NamedConfSyntax
{
    public static List<ConfStatement> ParseFile(string path) => ParseFile(path, 0);

    public static List<ConfStatement> ParseText(string text, string file) => Parse(new Lexer(text, file), 0, Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".");

    private static List<ConfStatement> ParseFile(string path, int depth)
    {
        if (depth > 16)
        {
            throw new NamedConfException(path, 1, "include nested more than 16 deep (a loop?)");
        }

        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NamedConfException(path, 0, $"cannot read: {e.Message}");
        }

        return Parse(new Lexer(text, path), depth, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    private static List<ConfStatement> Parse(Lexer lexer, int depth, string folder)
    {
        var statements = ParseBlock(lexer, topLevel: true);
        var expanded = new List<ConfStatement>();
        foreach (var s in statements)
        {
            if (s.Keyword == "include")
            {
                if (s.Words.Count != 2 || s.Block is not null)
                {
                    throw s.Error("include takes one quoted file name: include \"file\";");
                }

                var target = NamedConf.ResolvePath(s, folder, s.Words[1].Text);
                if (!File.Exists(target))
                {
                    throw s.Error($"included file '{target}' does not exist");
                }

                expanded.AddRange(ParseFile(target, depth + 1));
            }
            else
            {
                expanded.Add(s);
            }
        }

        return expanded;
    }

    private static List<ConfStatement> ParseBlock(Lexer lexer, bool topLevel)
    {
        var statements = new List<ConfStatement>();
        while (true)
        {
            var token = lexer.Next();
            if (token is null)
            {
                if (!topLevel)
                {
                    throw new NamedConfException(lexer.File, lexer.Line, "missing '}' at end of file");
                }

                return statements;
            }

            if (token.Value.Kind == '}')
            {
                if (topLevel)
                {
                    throw new NamedConfException(lexer.File, token.Value.Line, "'}' without a matching '{'");
                }

                return statements;
            }

            if (token.Value.Kind == ';')
            {
                continue; // stray semicolons are harmless
            }

            var words = new List<ConfWord>();
            List<ConfStatement>? block = null;
            var line = token.Value.Line;
            while (true)
            {
                if (token is null)
                {
                    throw new NamedConfException(lexer.File, lexer.Line, "missing ';' at end of file");
                }

                var t = token.Value;
                if (t.Kind == ';')
                {
                    break;
                }

                if (t.Kind == '{')
                {
                    if (block is not null)
                    {
                        throw new NamedConfException(lexer.File, t.Line, "missing ';' after '}'");
                    }

                    block = ParseBlock(lexer, topLevel: false);
                }
                else if (t.Kind == '}')
                {
                    throw new NamedConfException(lexer.File, t.Line, $"missing ';' before '}}' (statement started at line {line})");
                }
                else
                {
                    if (block is not null)
                    {
                        throw new NamedConfException(lexer.File, t.Line, $"missing ';' after '}}' before '{t.Text}'");
                    }

                    words.Add(new ConfWord(t.Text, t.Kind == '"', lexer.File, t.Line));
                }

                token = lexer.Next();
            }

            statements.Add(new ConfStatement(words, block, lexer.File, line));
        }
    }

    private readonly record struct Token(char Kind, string Text, int Line);

    private sealed class Lexer(string text, string file)
    {
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
                    while (_position < text.Length && text[_position] != '\n')
                    {
                        _position++;
                    }
                }
                else if (c == '/' && Peek(1) == '*')
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
                else if (c is '{' or '}' or ';')
                {
                    _position++;
                    return new Token(c, c.ToString(), Line);
                }
                else if (c == '"')
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
                else
                {
                    var start = _position;
                    while (_position < text.Length && !char.IsWhiteSpace(text[_position]) && text[_position] is not ('{' or '}' or ';' or '"')
                        && !(text[_position] == '/' && Peek(1) is '/' or '*') && text[_position] != '#')
                    {
                        _position++;
                    }

                    return new Token('w', text[start.._position], Line);
                }
            }

            return null;
        }

        private char Peek(int ahead) => _position + ahead < text.Length ? text[_position + ahead] : '\0';
    }
}
