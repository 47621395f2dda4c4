using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kindling.Config.Yaml;

/// <summary>Reads one YAML document into a node tree, turning every syntax problem into a located error.</summary>
internal static class YamlDocumentLoader
{
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
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var lines = text.Split('\n');
            var line = (int)e.Start.Line;
            var column = (int)e.Start.Column;
            var hint = "";
            var tabLine = Array.FindIndex(lines, Math.Max(0, line - 1), l => l.StartsWith('\t') || l.TrimStart(' ').StartsWith('\t'));
            if (tabLine >= 0 && (e.Message.Contains("tab", StringComparison.OrdinalIgnoreCase) || tabLine == line - 1))
            {
                // YamlDotNet reports where the enclosing mapping started; point at the tab itself.
                line = tabLine + 1;
                column = lines[tabLine].IndexOf('\t', StringComparison.Ordinal) + 1;
                hint = "; YAML is indented with spaces, not tabs";
            }

            var message = e.InnerException?.Message ?? e.Message;
            context.Error(line, "", $"YAML syntax error at column {column}: {Clean(message).TrimEnd('.')}{hint}");
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

    private static string StripComments(string text) =>
        string.Join('\n', text.Split('\n').Select(l => l.TrimStart().StartsWith('#') ? "" : l).Where(l => l.Trim() != "---" && l.Trim() != "..."));

    private static string Clean(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 1, Idx: 10) - (Line: ...): "; the location is already ours.
        var index = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line", StringComparison.Ordinal) && index > 0 ? message[(index + 3)..] : message;
    }
}
