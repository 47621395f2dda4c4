using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Kindling.Config.Yaml;

/// <summary>Reads one YAML document into a node tree, turning every syntax problem into a located error.</summary>
public static class YamlDocumentLoader
{
    /// <summary>
    /// The document's root mapping, or null with the reason recorded in <paramref name="context"/> (an empty file,
    /// a syntax error at its line, more than one document, a root that is not a mapping);
    /// <paramref name="expected"/> and <paramref name="shape"/> say in those messages what the file should hold.
    /// </summary>
    public static YamlMappingNode? Load(string text, YamlContext context, string expected, string shape = "a mapping with apiVersion, kind and spec")
    {
        if (string.IsNullOrWhiteSpace(StripComments(text)))
        {
            context.Error(1, "", $"the file is empty; expected a {expected}");
            return null;
        }

        var stream = new YamlStream();
        try
        {
            if (CheckLimits(text) is { } refusal)
            {
                context.Error(refusal.Line, "", refusal.Message);
                return null;
            }

            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var (line, message) = SyntaxErrorAt(text, e);
            context.Error(line, "", message);
            return null;
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner and parser throw this (not a YamlException) on some malformed input (found by fuzzing).
            context.Error(1, "", $"YAML syntax error: {Clean(e.Message).TrimEnd('.')}");
            return null;
        }
        catch (ArgumentException e)
        {
            // YamlDotNet reports a duplicate mapping key this way.
            context.Error(1, "", $"YAML error: {e.Message}; each key may appear once per mapping");
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            context.Error(1, "", $"the file is empty; expected a {expected}");
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            context.Warning(stream.Documents[1].RootNode, "", $"the file holds {stream.Documents.Count} YAML documents; only the first is read");
        }

        var root = stream.Documents[0].RootNode;
        if (root is not YamlMappingNode mapping)
        {
            context.Error(root, "", $"expected a {expected} ({shape}), found a {YamlObject.Describe(root)}");
            return null;
        }

        return mapping;
    }

    /// <summary>A syntax error where it is: at the tab when a tab indents the line (YamlDotNet points at the enclosing mapping), with a hint.</summary>
    private static (int Line, string Message) SyntaxErrorAt(string text, YamlException e)
    {
        var lines = text.Split('\n');
        var line = (int)e.Start.Line;
        var column = (int)e.Start.Column;
        var hint = "";
        var tabLine = Array.FindIndex(lines, Math.Clamp(line - 1, 0, lines.Length), l => l.StartsWith('\t') || l.TrimStart(' ').StartsWith('\t'));
        if (tabLine >= 0 && (e.Message.Contains("tab", StringComparison.OrdinalIgnoreCase) || tabLine == line - 1))
        {
            // YamlDotNet reports where the enclosing mapping started; point at the tab itself.
            line = tabLine + 1;
            column = lines[tabLine].IndexOf('\t', StringComparison.Ordinal) + 1;
            hint = "; YAML is indented with spaces, not tabs";
        }

        var message = e.InnerException?.Message ?? e.Message;
        return (line, $"YAML syntax error at column {column}: {Clean(message).TrimEnd('.')}{hint}");
    }

    /// <summary>Deeper nesting is refused before the tree is built (YamlDotNet builds it recursively; Kindling's files nest about 6 levels).</summary>
    internal const int MaxDepth = 64;

    /// <summary>Nodes counted with every alias expanded: a few hundred bytes of nested aliases can stand for billions.</summary>
    internal const long MaxExpandedNodes = 1_000_000;

    /// <summary>
    /// Walks the parser's events (no recursion, no tree) and refuses, with the line: nesting deeper than
    /// <see cref="MaxDepth"/>, an alias inside the node its anchor names (a cycle: every walk of the tree would
    /// recurse until the process dies), and more than <see cref="MaxExpandedNodes"/> nodes once aliases are expanded.
    /// </summary>
    private static (int Line, string Message)? CheckLimits(string text)
    {
        var parser = new Parser(new StringReader(text));
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var open = new List<(string? Anchor, long Start)>();
        long expanded = 0;
        while (parser.MoveNext())
        {
            var current = parser.Current!;
            var line = (int)current.Start.Line;
            switch (current)
            {
                case DocumentStart:
                    sizes.Clear();
                    break;
                case MappingStart or SequenceStart:
                    if (open.Count >= MaxDepth)
                    {
                        return (line, $"the YAML nests deeper than {MaxDepth} levels; flatten it");
                    }

                    var anchor = ((NodeEvent)current).Anchor;
                    open.Add((anchor.IsEmpty ? null : anchor.Value, expanded));
                    expanded++;
                    break;
                case MappingEnd or SequenceEnd when open.Count > 0:
                    var (name, start) = open[^1];
                    open.RemoveAt(open.Count - 1);
                    if (name is not null)
                    {
                        sizes[name] = expanded - start;
                    }

                    break;
                case Scalar scalar:
                    if (!scalar.Anchor.IsEmpty)
                    {
                        sizes[scalar.Anchor.Value] = 1;
                    }

                    expanded++;
                    break;
                case AnchorAlias alias:
                    if (open.Any(o => o.Anchor == alias.Value.Value))
                    {
                        return (line, $"alias *{alias.Value.Value} is inside the node &{alias.Value.Value} names (a cycle); repeat the values instead");
                    }

                    expanded += sizes.GetValueOrDefault(alias.Value.Value, 1);
                    break;
            }

            if (expanded > MaxExpandedNodes)
            {
                return (line, $"the YAML stands for more than {MaxExpandedNodes:N0} values once its aliases are expanded; repeat fewer aliases");
            }
        }

        return null;
    }

    private static string StripComments(string text) =>
        string.Join('\n', text.Split('\n').Select(l => l.TrimStart().StartsWith('#') ? "" : l).Where(l => l.Trim() != "---" && l.Trim() != "..."));

    private static string Clean(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 1, Idx: 10) - (Line: ...): "; the location is already ours.
        var index = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line", StringComparison.Ordinal) && index > 0 ? message[(index + 3)..] : message;
    }
}
