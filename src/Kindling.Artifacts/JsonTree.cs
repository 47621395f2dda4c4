using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kindling.Artifacts;

/// <summary>
/// JSON documents built as <see cref="JsonNode"/> trees rather than serialized by reflection: the CLI is compiled
/// ahead of time (Native AOT), where reflection-built serializers fail at run time on value-typed members.
/// </summary>
public static class JsonTree
{
    /// <summary>A plain object tree (dictionaries, lists, strings, numbers, booleans, null) as JSON nodes.</summary>
    public static JsonNode? From(object? value) => value switch
    {
        null => null,
        JsonNode node => node,
        string text => JsonValue.Create(text),
        bool flag => JsonValue.Create(flag),
        int number => JsonValue.Create(number),
        long number => JsonValue.Create(number),
        double number => JsonValue.Create(number),
        DateTimeOffset time => JsonValue.Create(time),
        IDictionary map => FromMap(map),
        IEnumerable list => new JsonArray([.. list.Cast<object?>().Select(From)]),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };

    private static JsonObject FromMap(IDictionary map)
    {
        // IDictionary's own enumerator yields DictionaryEntry (a generic dictionary's IEnumerable yields KeyValuePair).
        var result = new JsonObject();
        foreach (DictionaryEntry entry in map)
        {
            result[Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? ""] = From(entry.Value);
        }

        return result;
    }

    /// <summary>Strings as a JSON array.</summary>
    public static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);

    /// <summary>A string-to-string map as a JSON object.</summary>
    public static JsonObject Map(IEnumerable<KeyValuePair<string, string>> values) =>
        new(values.Select(v => KeyValuePair.Create(v.Key, (JsonNode?)JsonValue.Create(v.Value))));

    /// <summary>
    /// UTF-8 JSON, indented or compact, written straight to bytes; with <paramref name="omitNulls"/>, null-valued
    /// properties are left out (at every depth).
    /// </summary>
    public static byte[] ToUtf8(JsonNode node, bool indented = true, bool omitNulls = true)
    {
        if (omitNulls)
        {
            RemoveNulls(node);
        }

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            node.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Indented JSON text with every property, nulls included (the CLI's <c>--output json</c>).</summary>
    public static string ToText(JsonNode node) => System.Text.Encoding.UTF8.GetString(ToUtf8(node, indented: true, omitNulls: false));

    private static void RemoveNulls(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject map:
                foreach (var key in map.Where(p => p.Value is null).Select(p => p.Key).ToList())
                {
                    map.Remove(key);
                }

                foreach (var child in map)
                {
                    RemoveNulls(child.Value);
                }

                break;
            case JsonArray list:
                foreach (var child in list)
                {
                    RemoveNulls(child);
                }

                break;
        }
    }
}
