using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Kindling.Config.Yaml;

/// <summary>
/// A YAML mapping being read into a model, the walker every Kindling file format uses: every getter records the key
/// as known, returns null (or an empty list) when the key is absent or null, reports a value of the wrong type as an
/// error with the key's YAML path and line in the <see cref="YamlContext"/>, and <see cref="ReportUnknownKeys"/>
/// warns about the keys no getter asked for. A file is read by <see cref="YamlDocumentLoader.Load"/>, then walked
/// from <c>new YamlObject(root, "", context)</c>.
/// </summary>
public sealed class YamlObject
{
    private readonly YamlMappingNode _node;
    private readonly YamlContext _context;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public YamlObject(YamlMappingNode node, string path, YamlContext context)
    {
        _node = node;
        Path = path;
        _context = context;
        context.Remember(path, node);
        foreach (var (key, value) in node.Children)
        {
            if (key is YamlScalarNode { Value: { } name })
            {
                context.Remember(Child(name), value);
            }
        }
    }

    /// <summary>This mapping's YAML path (<c>spec.tinderKind</c>, <c>records[0]</c>; empty at the root).</summary>
    public string Path { get; }

    public YamlMappingNode Node => _node;

    /// <summary>The YAML path of one of this mapping's keys.</summary>
    public string Child(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    /// <summary>The raw node for a key, marking the key as known; null when absent.</summary>
    public YamlNode? Raw(string key)
    {
        _known.Add(key);
        return _node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;
    }

    /// <summary>Whether the key is present (without marking it as known).</summary>
    public bool Has(string key) => _node.Children.ContainsKey(new YamlScalarNode(key));

    /// <summary>A scalar's text; an error when the value is a mapping or a list.</summary>
    public string? String(string key)
    {
        var node = Raw(key);
        if (node is null || IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode scalar)
        {
            return scalar.Value;
        }

        _context.Error(node, Child(key), $"expected a string, found a {Describe(node)}");
        return null;
    }

    /// <summary>A whole number within [<paramref name="min"/>, <paramref name="max"/>]; an error otherwise.</summary>
    public int? Int(string key, int min = int.MinValue, int max = int.MaxValue)
    {
        var node = Raw(key);
        if (node is null || IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode { Value: { } text } && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            if (value < min || value > max)
            {
                _context.Error(node, Child(key), $"{value} is out of range; expected {min} to {max}");
                return null;
            }

            return value;
        }

        _context.Error(node, Child(key), $"{Quote(node)} is not a whole number");
        return null;
    }

    /// <summary>true/yes/on or false/no/off, in any case; an error otherwise.</summary>
    public bool? Bool(string key)
    {
        var node = Raw(key);
        if (node is null || IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode { Value: { } text })
        {
            switch (text.ToLowerInvariant())
            {
                case "true" or "yes" or "on":
                    return true;
                case "false" or "no" or "off":
                    return false;
            }
        }

        _context.Error(node, Child(key), $"{Quote(node)} is not true or false");
        return null;
    }

    /// <summary>A nested mapping; an error when the value is a scalar or a list.</summary>
    public YamlObject? Object(string key)
    {
        var node = Raw(key);
        if (node is null || IsNull(node))
        {
            return null;
        }

        if (node is YamlMappingNode mapping)
        {
            return new YamlObject(mapping, Child(key), _context);
        }

        _context.Error(node, Child(key), $"expected a mapping (key: value lines), found a {Describe(node)}");
        return null;
    }

    /// <summary>A list of mappings; each item that is not a mapping is an error (and left out).</summary>
    public IReadOnlyList<YamlObject> ObjectList(string key)
    {
        var node = Raw(key);
        if (node is null || IsNull(node))
        {
            return [];
        }

        if (node is not YamlSequenceNode sequence)
        {
            _context.Error(node, Child(key), $"expected a list (lines starting with '- '), found a {Describe(node)}");
            return [];
        }

        var result = new List<YamlObject>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var item = sequence.Children[i];
            var path = $"{Child(key)}[{i}]";
            if (item is YamlMappingNode mapping)
            {
                result.Add(new YamlObject(mapping, path, _context));
            }
            else
            {
                _context.Error(item, path, $"expected a mapping, found a {Describe(item)}");
            }
        }

        return result;
    }

    /// <summary>A list of strings, also accepting one scalar (optionally comma-separated when <paramref name="splitCommas"/>).</summary>
    public IReadOnlyList<(string Value, YamlNode Node, string Path)> StringList(string key, bool splitCommas = false)
    {
        var node = Raw(key);
        var result = new List<(string, YamlNode, string)>();
        if (node is null || IsNull(node))
        {
            return result;
        }

        void AddScalar(YamlScalarNode scalar, string path)
        {
            var text = scalar.Value ?? "";
            var items = splitCommas ? text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : [text];
            foreach (var item in items)
            {
                result.Add((item, scalar, path));
            }
        }

        switch (node)
        {
            case YamlScalarNode scalar:
                AddScalar(scalar, Child(key));
                break;
            case YamlSequenceNode sequence:
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    var path = $"{Child(key)}[{i}]";
                    if (sequence.Children[i] is YamlScalarNode item)
                    {
                        AddScalar(item, path);
                    }
                    else
                    {
                        _context.Error(sequence.Children[i], path, $"expected a string, found a {Describe(sequence.Children[i])}");
                    }
                }

                break;
            default:
                _context.Error(node, Child(key), $"expected a string or a list of strings, found a {Describe(node)}");
                break;
        }

        return result;
    }

    /// <summary>A mapping of strings to strings (labels, annotations); each non-scalar value is an error.</summary>
    public IReadOnlyDictionary<string, string> StringMap(string key)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var obj = Object(key);
        if (obj is null)
        {
            return result;
        }

        foreach (var (k, v) in obj._node.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? "";
            obj._known.Add(name);
            if (v is YamlScalarNode scalar)
            {
                result[name] = scalar.Value ?? "";
            }
            else
            {
                _context.Error(v, obj.Child(name), $"expected a string, found a {Describe(v)}");
            }
        }

        return result;
    }

    /// <summary>Every key of this mapping, for maps keyed by user-chosen names.</summary>
    public IEnumerable<string> Keys =>
        _node.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? "");

    /// <summary>Warns about every key of this mapping that no getter asked for (a misspelling, a wrong indentation).</summary>
    public void ReportUnknownKeys()
    {
        foreach (var key in _node.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? key.ToString();
            if (!_known.Contains(name))
            {
                _context.Warning(key, Child(name), "unknown field, ignored (check its spelling and indentation)");
            }
        }
    }

    /// <summary>Whether a node is YAML's null (empty, <c>~</c>, <c>null</c>), which a getter reads as absent.</summary>
    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode scalar
        && scalar.Style is YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any
        && (string.IsNullOrEmpty(scalar.Value) || scalar.Value is "~" or "null" or "Null" or "NULL");

    /// <summary>What a node is, for messages: mapping, list or scalar.</summary>
    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "mapping",
        YamlSequenceNode => "list",
        _ => "scalar",
    };

    /// <summary>A scalar's text in quotes, or what the node is, for messages.</summary>
    public static string Quote(YamlNode node) =>
        node is YamlScalarNode { Value: { } text } ? $"\"{text}\"" : Describe(node);
}
