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

    public static List<ConfStatement> ParseText(string text, string file) => Parse(new NamedConfLexer(text, file), 0, Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".");

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

        return Parse(new NamedConfLexer(text, path), depth, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    private static List<ConfStatement> Parse(NamedConfLexer lexer, int depth, string folder)
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

    private static List<ConfStatement> ParseBlock(NamedConfLexer lexer, bool topLevel)
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

            statements.Add(ParseStatement(lexer, token.Value));
        }
    }

    /// <summary>Reads one statement from its first token up to its ';': words, then at most one <c>{ block }</c>.</summary>
    private static ConfStatement ParseStatement(NamedConfLexer lexer, NamedConfLexer.Token first)
    {
        var words = new List<ConfWord>();
        List<ConfStatement>? block = null;
        var line = first.Line;
        NamedConfLexer.Token? token = first;
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

        return new ConfStatement(words, block, lexer.File, line);
    }
}
