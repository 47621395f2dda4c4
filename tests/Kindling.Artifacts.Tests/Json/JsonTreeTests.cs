using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kindling.Artifacts.Tests.Json;

public class JsonTreeTests
{
    [Fact]
    public void From_ChartEntryTree_KeepsEveryValueAndType()
    {
        var tree = new Dictionary<string, List<Dictionary<string, object?>>>
        {
            ["app"] =
            [
                new()
                {
                    ["name"] = "app", ["port"] = 8080L, ["ratio"] = 0.5, ["deprecated"] = true, ["icon"] = null,
                    ["urls"] = new List<string> { "charts/app-1.0.0.tgz" },
                    ["maintainers"] = new List<object?> { new Dictionary<string, object?> { ["name"] = "ops", ["count"] = 2 } },
                },
            ],
        };

        using var json = JsonDocument.Parse(JsonTree.ToUtf8(JsonTree.From(tree)!, omitNulls: false));
        var entry = json.RootElement.GetProperty("app")[0];
        Assert.Equal("app", entry.GetProperty("name").GetString());
        Assert.Equal(8080, entry.GetProperty("port").GetInt64());
        Assert.Equal(0.5, entry.GetProperty("ratio").GetDouble());
        Assert.True(entry.GetProperty("deprecated").GetBoolean());
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("icon").ValueKind);
        Assert.Equal("charts/app-1.0.0.tgz", entry.GetProperty("urls")[0].GetString());
        Assert.Equal(2, entry.GetProperty("maintainers")[0].GetProperty("count").GetInt32());
    }

    [Fact]
    public void ToUtf8_OmitNulls_RemovesNullPropertiesAtEveryDepth_KeepsNullArrayItems()
    {
        var node = new JsonObject
        {
            ["a"] = null,
            ["b"] = new JsonObject { ["c"] = null, ["d"] = 1 },
            ["e"] = new JsonArray(null, new JsonObject { ["f"] = null }),
        };

        Assert.Equal("""{"b":{"d":1},"e":[null,{}]}""", System.Text.Encoding.UTF8.GetString(JsonTree.ToUtf8(node, indented: false)));
    }
}
