using CsCheck;
using Kindling.Artifacts.Charts;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kindling.Artifacts.Tests.Charts;

/// <summary>index.yaml written through the emitter: helm must read every field back with the type Chart.yaml gave it.</summary>
public class IndexYamlTests
{
    [Fact]
    public void Write_StringsThatLookTyped_AreQuoted_TypedValuesArePlain_NullsLeftOut()
    {
        var document = new Dictionary<string, object?>
        {
            ["apiVersion"] = "v1",
            ["entries"] = new Dictionary<string, List<Dictionary<string, object?>>>
            {
                ["app"] =
                [
                    new()
                    {
                        ["version"] = "1.0", ["appVersion"] = "true", ["name"] = "app", ["deprecated"] = false, ["port"] = 8080L,
                        ["ratio"] = 0.5, ["empty"] = "", ["hex"] = "0x1F", ["date"] = "2024-01-02", ["nothing"] = null, ["no"] = "no",
                        ["urls"] = new List<string> { "charts/app-1.0.tgz" }, ["keywords"] = new List<object?>(),
                        ["description"] = "a: colon # and hash",
                    },
                ],
            },
        };

        var root = Load(IndexYaml.Write(document));
        var entry = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)root["entries"])["app"]).Children[0];
        foreach (var (key, value) in new[] { ("version", "1.0"), ("appVersion", "true"), ("empty", ""), ("hex", "0x1F"), ("date", "2024-01-02"), ("no", "no") })
        {
            var scalar = (YamlScalarNode)entry[key];
            Assert.Equal(value, scalar.Value);
            Assert.NotEqual(ScalarStyle.Plain, scalar.Style);
        }

        foreach (var (key, value) in new[] { ("name", "app"), ("deprecated", "false"), ("port", "8080"), ("ratio", "0.5") })
        {
            var scalar = (YamlScalarNode)entry[key];
            Assert.Equal(value, scalar.Value);
            Assert.Equal(ScalarStyle.Plain, scalar.Style);
        }

        Assert.Equal("a: colon # and hash", ((YamlScalarNode)entry["description"]).Value);
        Assert.Equal("charts/app-1.0.tgz", ((YamlScalarNode)((YamlSequenceNode)entry["urls"]).Children[0]).Value);
        Assert.Empty(((YamlSequenceNode)entry["keywords"]).Children);
        Assert.False(entry.Children.ContainsKey(new YamlScalarNode("nothing")));
    }

    [Fact]
    public void Write_AnyString_ReadsBackAsTheSameString()
    {
        Gen.String.Sample(text =>
        {
            var root = Load(IndexYaml.Write(new Dictionary<string, object?> { ["s"] = text }));
            var scalar = (YamlScalarNode)root["s"];
            Assert.Equal(text.ReplaceLineEndings("\n"), scalar.Value!.ReplaceLineEndings("\n"));
            Assert.False(scalar.Style == ScalarStyle.Plain && IndexYaml.LooksTyped(scalar.Value), $"'{text}' was written plain but reads as a non-string");
        });
    }

    private static YamlMappingNode Load(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }
}
