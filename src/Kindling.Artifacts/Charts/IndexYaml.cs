using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Kindling.Artifacts.Charts;

/// <summary>
/// Writes index.yaml from the chart metadata's plain object tree (mappings, lists, strings, booleans, numbers) through
/// YamlDotNet's emitter, without its reflection-based serializer (the CLI is compiled ahead of time). A string that
/// YAML would read back as another type (<c>"1.0"</c>, <c>"true"</c>, <c>"null"</c>, <c>"0x1F"</c>) is double-quoted,
/// so helm reads every field as Chart.yaml had it; null entries are left out.
/// </summary>
internal static partial class IndexYaml
{
    public static string Write(object document)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var emitter = new Emitter(writer);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, isImplicit: true));
        WriteNode(emitter, document);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return writer.ToString();
    }

    private static void WriteNode(Emitter emitter, object? value)
    {
        switch (value)
        {
            case null:
                Plain(emitter, "null");
                break;
            case bool flag:
                Plain(emitter, flag ? "true" : "false");
                break;
            case long or int:
                Plain(emitter, Convert.ToString(value, CultureInfo.InvariantCulture)!);
                break;
            case double number:
                Plain(emitter, double.IsFinite(number) ? number.ToString("R", CultureInfo.InvariantCulture) : double.IsNaN(number) ? ".nan" : number > 0 ? ".inf" : "-.inf");
                break;
            case string text:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, text, LooksTyped(text) ? ScalarStyle.DoubleQuoted : ScalarStyle.Any, true, true));
                break;
            case IDictionary map:
                emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, MappingStyle.Block));
                foreach (DictionaryEntry entry in map)
                {
                    if (entry.Value is null)
                    {
                        continue;
                    }

                    WriteNode(emitter, Convert.ToString(entry.Key, CultureInfo.InvariantCulture));
                    WriteNode(emitter, entry.Value);
                }

                emitter.Emit(new MappingEnd());
                break;
            case IEnumerable list:
                emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, true, SequenceStyle.Block));
                foreach (var item in list)
                {
                    WriteNode(emitter, item);
                }

                emitter.Emit(new SequenceEnd());
                break;
            default:
                WriteNode(emitter, Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private static void Plain(Emitter emitter, string text) =>
        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, text, ScalarStyle.Plain, true, false));

    /// <summary>Would a YAML 1.1 or 1.2 reader (helm uses YAML 1.1 rules) take this plain string for a null, bool or number?</summary>
    internal static bool LooksTyped(string text) => text.Length == 0 || TypedScalar().IsMatch(text);

    [GeneratedRegex(@"^(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF"
        + @"|[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?|0x[0-9a-fA-F_]+|0o?[0-7_]+|0b[01_]+|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?"
        + @"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?)$")]
    private static partial Regex TypedScalar();
}
