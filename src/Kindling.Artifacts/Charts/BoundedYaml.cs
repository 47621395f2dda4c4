using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Kindling.Artifacts.Charts;

/// <summary>
/// Limits on a YAML document read from someone else (a chart's Chart.yaml, a primary's index.yaml): nesting
/// depth, nodes after alias expansion, and scalar characters after alias expansion. A document over a limit is
/// refused before it is built, so a deep or alias-bomb document costs neither stack nor memory.
/// </summary>
public sealed record YamlLimits(int MaxDepth, int MaxNodes, long MaxScalarChars)
{
    /// <summary>Chart.yaml: 64 levels, 10,000 nodes and 1 Mi scalar characters, aliases counted as expanded.</summary>
    public static readonly YamlLimits Chart = new(64, 10_000, 1024 * 1024);
}

/// <summary>A YAML document over one of its <see cref="YamlLimits"/>, or not valid YAML; the message says where and which.</summary>
public sealed class YamlLimitException(string message) : Exception(message);

/// <summary>
/// Reads one YAML document into a plain object tree (<c>Dictionary&lt;string, object?&gt;</c>, <c>List&lt;object?&gt;</c>,
/// strings, and for plain scalars bool, long, finite double or null) from YamlDotNet's event parser, without its
/// recursive representation model: depth, expanded nodes and expanded scalar characters are counted while
/// reading and the document is refused at the first event over a limit. An alias shares its anchor's object
/// (the tree stays small in memory) but counts as the nodes and characters it expands to, since index.yaml and
/// the JSON API write it out expanded. Mapping keys that are not scalars are skipped, as before; a repeated key
/// is an error, as it was with YamlDotNet's representation model.
/// </summary>
public static class BoundedYaml
{
    /// <summary>A value read, with the raw text of its scalar (for keys and fields read as strings).</summary>
    private readonly record struct Built(object? Value, string? RawScalar, long Nodes, long Chars);

    /// <summary>
    /// Reads <paramref name="yaml"/>; <paramref name="file"/> names the document in errors (<c>FILE:LINE: what</c>).
    /// Returns the root value and, when the root is a mapping, the raw scalar text of its top-level keys.
    /// </summary>
    public static (object? Root, IReadOnlyDictionary<string, string> RawTopScalars) Read(string yaml, string file, YamlLimits limits)
    {
        var reader = new Reader(new Parser(new StringReader(yaml)), file, limits);
        try
        {
            return reader.ReadDocument();
        }
        catch (YamlException e)
        {
            throw new YamlLimitException($"{file}:{e.Start.Line}: invalid YAML: {e.Message}");
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet's scanner throws these on some malformed input.
            throw new YamlLimitException($"{file}: invalid YAML: {e.Message}");
        }
    }

    /// <summary>A plain scalar's YAML type (bool, long, finite double, null) or its text; quoted scalars stay text.</summary>
    public static object? TypedScalar(string value, ScalarStyle style)
    {
        if (style != ScalarStyle.Plain)
        {
            return value;
        }

        return value switch
        {
            "true" or "True" or "TRUE" => true,
            "false" or "False" or "FALSE" => false,
            "null" or "~" or "" => null,
            _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => n,
            // Only finite numbers: JSON (the chart API) cannot carry NaN or Infinity, so those stay text.
            _ when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) => d,
            _ => value,
        };
    }

    private sealed class Reader(IParser parser, string file, YamlLimits limits)
    {
        private readonly Dictionary<string, Built> _anchors = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _rawTop = new(StringComparer.Ordinal);
        private long _nodes;
        private long _chars;

        public (object?, IReadOnlyDictionary<string, string>) ReadDocument()
        {
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return (null, _rawTop);
            }

            parser.Consume<DocumentStart>();
            var root = ReadRoot();
            parser.Consume<DocumentEnd>();
            if (!parser.Accept<StreamEnd>(out _))
            {
                throw new YamlLimitException($"{file}:{parser.Current?.Start.Line}: more than one YAML document");
            }

            return (root.Value, _rawTop);
        }

        /// <summary>
        /// The document's tree, built with an explicit stack rather than recursion (a deep document must be refused
        /// by the depth limit, not overflow the thread's stack).
        /// </summary>
        private Built ReadRoot()
        {
            var stack = new Stack<Frame>();
            Built? result = null;
            while (result is null)
            {
                var start = parser.Current ?? throw new YamlLimitException($"{file}: the document ends early");
                Built? done = null;
                switch (start)
                {
                    case AnchorAlias alias:
                        parser.MoveNext();
                        if (!_anchors.TryGetValue(alias.Value.Value, out var anchored))
                        {
                            throw new YamlLimitException($"{file}:{alias.Start.Line}: alias *{alias.Value.Value} names no anchor defined before it");
                        }

                        Count(anchored.Nodes, anchored.Chars, alias.Start);
                        done = anchored;
                        break;
                    case Scalar scalar:
                        parser.MoveNext();
                        Count(1, scalar.Value.Length, scalar.Start);
                        done = Remember(scalar.Anchor, new Built(TypedScalar(scalar.Value, scalar.Style), scalar.Value, 1, scalar.Value.Length));
                        break;
                    case MappingStart mapping:
                        parser.MoveNext();
                        Open(stack, mapping, new Frame(mapping.Anchor, new Dictionary<string, object?>(StringComparer.Ordinal), _nodes, _chars));
                        break;
                    case SequenceStart sequence:
                        parser.MoveNext();
                        Open(stack, sequence, new Frame(sequence.Anchor, new List<object?>(), _nodes, _chars));
                        break;
                    case MappingEnd or SequenceEnd:
                        parser.MoveNext();
                        var frame = stack.Pop();
                        done = Remember(frame.Anchor, new Built(frame.Value, null, _nodes - frame.NodesBefore, _chars - frame.CharsBefore));
                        break;
                    default:
                        throw new YamlLimitException($"{file}:{start.Start.Line}: unexpected {start.GetType().Name}");
                }

                if (done is not { } value)
                {
                    continue;
                }

                if (stack.Count == 0)
                {
                    result = value;
                }
                else
                {
                    stack.Peek().Add(value, start.Start, file, stack.Count == 1 ? _rawTop : null);
                }
            }

            return result.Value;
        }

        private void Open(Stack<Frame> stack, ParsingEvent start, Frame frame)
        {
            if (stack.Count >= limits.MaxDepth)
            {
                throw new YamlLimitException($"{file}:{start.Start.Line}: nested deeper than {limits.MaxDepth} levels (the limit for this document)");
            }

            Count(1, 0, start.Start);
            stack.Push(frame);
        }

        private Built Remember(AnchorName anchor, Built value)
        {
            if (!anchor.IsEmpty)
            {
                _anchors[anchor.Value] = value;
            }

            return value;
        }

        private void Count(long nodes, long chars, Mark where)
        {
            _nodes += nodes;
            _chars += chars;
            if (_nodes > limits.MaxNodes)
            {
                throw new YamlLimitException($"{file}:{where.Line}: more than {limits.MaxNodes:N0} nodes with aliases expanded (the limit for this document)");
            }

            if (_chars > limits.MaxScalarChars)
            {
                throw new YamlLimitException($"{file}:{where.Line}: more than {limits.MaxScalarChars:N0} characters of values with aliases expanded (the limit for this document)");
            }
        }
    }

    /// <summary>A mapping or sequence being read; a mapping alternates key and value.</summary>
    private sealed class Frame(AnchorName anchor, object value, long nodesBefore, long charsBefore)
    {
        private string? _key;
        private bool _expectValue;
        private bool _skipValue;

        public AnchorName Anchor { get; } = anchor;
        public object Value { get; } = value;
        public long NodesBefore { get; } = nodesBefore;
        public long CharsBefore { get; } = charsBefore;

        public void Add(Built item, Mark where, string file, Dictionary<string, string>? rawTop)
        {
            if (Value is List<object?> list)
            {
                list.Add(item.Value);
                return;
            }

            var map = (Dictionary<string, object?>)Value;
            if (!_expectValue)
            {
                _key = item.RawScalar;
                _skipValue = item.RawScalar is null;
                if (_key is not null && map.ContainsKey(_key))
                {
                    throw new YamlLimitException($"{file}:{where.Line}: key '{_key}' appears twice in one mapping");
                }

                _expectValue = true;
                return;
            }

            _expectValue = false;
            if (_skipValue)
            {
                return;
            }

            map[_key!] = item.Value;
            if (rawTop is not null && item.RawScalar is { } raw)
            {
                rawTop[_key!] = raw;
            }
            else
            {
                rawTop?.Remove(_key!);
            }
        }
    }
}
