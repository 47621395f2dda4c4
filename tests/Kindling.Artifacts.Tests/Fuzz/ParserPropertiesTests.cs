using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Kindling.Artifacts.Charts;
using Kindling.Artifacts.Registry;
using Kindling.Testing;

namespace Kindling.Artifacts.Tests.Fuzz;

/// <summary>
/// No-throw properties of the node's parsers of network input (issue 13; fuzz/Kindling.Artifacts.Fuzz runs the same
/// parsers for longer): random input and mutations of valid samples give a result or the parser's documented
/// error, never another exception (which the HTTP handler would answer with 500).
/// </summary>
public sealed class ParserPropertiesTests
{
    private const string SampleDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

    private static readonly string[] Manifests =
    [
        $$$"""{"schemaVersion":2,"mediaType":"{{{ManifestDocument.OciManifest}}}","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{{SampleDigest}}}","size":7023},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{{{SampleDigest}}}","size":32654,"annotations":{"org.opencontainers.image.title":"a"}}],"subject":{"mediaType":"{{{ManifestDocument.OciManifest}}}","digest":"{{{SampleDigest}}}","size":1},"annotations":{"k":"v"}}""",
        $$$"""{"schemaVersion":2,"mediaType":"{{{ManifestDocument.OciIndex}}}","manifests":[{"mediaType":"{{{ManifestDocument.OciManifest}}}","digest":"{{{SampleDigest}}}","size":7143,"platform":{"architecture":"amd64","os":"linux"}}]}""",
        $$$"""{"schemaVersion":2,"mediaType":"{{{ManifestDocument.DockerManifest}}}","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"{{{SampleDigest}}}","size":1},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip","digest":"{{{SampleDigest}}}","size":1,"urls":["https://example.com/l"]}]}""",
    ];

    private static readonly string?[] ContentTypes = [null, "", ManifestDocument.OciManifest, ManifestDocument.OciIndex, ManifestDocument.DockerManifestList, "application/json", "text/plain; x=y"];

    /// <summary>Values of every JSON type, including ones a field must not have (numbers out of range, fractions, lone surrogates).</summary>
    private static JsonNode?[] WrongValues() =>
    [
        null, JsonValue.Create(-1), JsonValue.Create(2.5), JsonValue.Create(1e300), JsonValue.Create(long.MaxValue), JsonValue.Create(ulong.MaxValue),
        JsonValue.Create(true), JsonValue.Create(""), JsonValue.Create("\ud800"), JsonValue.Create("sha256:xyz"), JsonValue.Create(SampleDigest), new JsonArray(), new JsonObject(),
        new JsonArray(JsonValue.Create(1), new JsonObject()), JsonNode.Parse("{\"mediaType\":\"a\",\"digest\":\"" + SampleDigest + "\",\"size\":1}"),
    ];

    private static ManifestDocument? ParseManifest(byte[] content, string? contentType)
    {
        try
        {
            return ManifestDocument.Parse(content, contentType);
        }
        catch (RegistryException e)
        {
            Assert.InRange(e.Status, 400, 499);
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            return null;
        }
    }

    [Fact]
    public void ManifestParse_TheValidSamples_AreAccepted()
    {
        foreach (var manifest in Manifests)
        {
            Assert.NotNull(ParseManifest(Encoding.UTF8.GetBytes(manifest), null));
        }
    }

    [Fact]
    public void ManifestParse_RandomBytes_OnlyRegistryException() =>
        Gen.Byte.Array[0, 600].Select(Gen.Int[0, ContentTypes.Length - 1]).Sample((bytes, type) => _ = ParseManifest(bytes, ContentTypes[type]));

    [Fact]
    public void ManifestParse_FieldsDeletedRetypedOrDuplicated_OnlyRegistryException() =>
        Gen.Int[0, Manifests.Length - 1].Select(Gen.Int, Gen.Int[0, ContentTypes.Length - 1]).Sample((sample, seed, type) =>
            _ = ParseManifest(Encoding.UTF8.GetBytes(MutateJson(Manifests[sample], seed)), ContentTypes[type]), iter: 1000);

    [Fact]
    public void ManifestParse_TextMutations_OnlyRegistryException()
    {
        string[] tokens = ["\"schemaVersion\":", "2.0", "1e400", "-1", "\"size\":", "\"digest\":", "\"mediaType\":", "null", "[", "]", "{", "}", ",", "\"", "\\ud800", "\\u0000", "\u00e9"];
        Gen.Int[0, Manifests.Length - 1].Select(Gen.Int, Gen.Int[0, ContentTypes.Length - 1]).Sample((sample, seed, type) =>
            _ = ParseManifest(Encoding.UTF8.GetBytes(InputMutator.Mutate(Manifests[sample], tokens, seed, ',')), ContentTypes[type]), iter: 1000);
    }

    /// <summary>Deletes a field, gives it a value of another type, or duplicates an array element, somewhere in the tree.</summary>
    private static string MutateJson(string json, int seed)
    {
        var random = new Random(seed);
        var root = JsonNode.Parse(json)!;
        for (var edits = 1 + random.Next(3); edits > 0; edits--)
        {
            var nodes = new List<JsonNode>();
            Collect(root, nodes);
            var node = nodes[random.Next(nodes.Count)];
            var wrong = WrongValues();
            switch (node)
            {
                case JsonObject obj when obj.Count > 0:
                    var name = obj.ElementAt(random.Next(obj.Count)).Key;
                    if (random.Next(2) == 0)
                    {
                        obj.Remove(name);
                    }
                    else
                    {
                        obj[name] = wrong[random.Next(wrong.Length)];
                    }

                    break;
                case JsonArray array when array.Count > 0:
                    var at = random.Next(array.Count);
                    array.Insert(random.Next(array.Count + 1), random.Next(2) == 0 ? array[at]?.DeepClone() : wrong[random.Next(wrong.Length)]);
                    break;
            }
        }

        return root.ToJsonString();
    }

    private static void Collect(JsonNode node, List<JsonNode> nodes)
    {
        nodes.Add(node);
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject obj => obj.Select(p => p.Value),
            JsonArray array => array,
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>().ToList())
        {
            Collect(child, nodes);
        }
    }

    // --- SigV4 ---------------------------------------------------------------------------------------------------

    [Fact]
    public void SignatureV4_TheSample_IsAccepted() =>
        Assert.Null(SignedSample.Verify(SignedSample.Request(SignedSample.Headers())));

    [Fact]
    public void SignatureV4_AuthorizationPartsDroppedReorderedOrBlank_AcceptedOnlyWhenAllThreeAreIntact() =>
        AuthorizationParts(duplicates: false).Sample(parts =>
        {
            var headers = SignedSample.Headers();
            var intact = headers["authorization"]["AWS4-HMAC-SHA256 ".Length..].Split(", ");
            headers["authorization"] = parts.Authorization;
            var error = SignedSample.Verify(SignedSample.Request(headers));
            var complete = intact.All(parts.Parts.Contains);
            Assert.True(complete == (error is null), $"{parts.Authorization}: {error}");
        }, iter: 1000);

    [Fact]
    public void SignatureV4_TextMutationsOfEveryHeader_NeverThrow()
    {
        string[] tokens = ["Credential=", "SignedHeaders=", "Signature=", ",", "=", "/", ";", " ", "aws4_request", "admin", "%", "%zz", "&", "?", "+", "\u00e9", "\ud800"];
        Gen.Int.Select(Gen.Int[0, 4]).Sample((seed, which) =>
        {
            var headers = SignedSample.Headers();
            string query = "?uploadId=7&partNumber=1";
            var name = which switch { 0 => "host", 1 => "x-amz-content-sha256", 2 => "x-amz-date", 3 => "authorization", _ => null };
            if (name is null)
            {
                query = InputMutator.Mutate(query, tokens, seed, '&');
            }
            else
            {
                headers[name] = InputMutator.Mutate(headers[name], tokens, seed, name == "authorization" ? ',' : ';');
            }

            _ = SignedSample.Verify(SignedSample.Request(headers, query));
        }, iter: 2000);
    }

    [Fact]
    public void SignatureV4_RandomAuthorization_NeverThrows() =>
        Gen.String.Sample(rest =>
        {
            var headers = SignedSample.Headers();
            headers["authorization"] = "AWS4-HMAC-SHA256 " + rest;
            Assert.NotNull(SignedSample.Verify(SignedSample.Request(headers)));
        });

    /// <summary>The sample's Credential, SignedHeaders and Signature parts, some dropped, blanked, reordered or (optionally) repeated.</summary>
    internal static Gen<(string Authorization, string[] Parts)> AuthorizationParts(bool duplicates)
    {
        var parts = SignedSample.Headers()["authorization"]["AWS4-HMAC-SHA256 ".Length..].Split(", ");
        var part = Gen.Int[0, parts.Length - 1].Select(Gen.Int[0, 3], (i, how) => how switch
        {
            0 => parts[i].Split('=')[0] + "=",
            1 => parts[i].Replace("=", " = ", StringComparison.Ordinal),
            _ => parts[i],
        });
        var list = part.Array[0, duplicates ? 6 : 3].Where(a => duplicates ? KeyCounts(a).Values.Any(n => n > 1) : KeyCounts(a).Values.All(n => n <= 1));
        return list.Select(Gen.OneOfConst(", ", ",", " ,"), (a, separator) => ("AWS4-HMAC-SHA256 " + string.Join(separator, a), a));
    }

    /// <summary>How often each key occurs among the comma-separated parts, split as SignatureV4.Verify splits them.</summary>
    private static Dictionary<string, int> KeyCounts(IEnumerable<string> parts) =>
        parts.SelectMany(p => p.Split(',', StringSplitOptions.TrimEntries)).Select(p => p.Split('=', 2)).Where(p => p.Length == 2)
            .GroupBy(p => p[0], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    // --- registry routes -----------------------------------------------------------------------------------------

    private static readonly Gen<string> RoutePath =
        Gen.OneOf(Gen.OneOfConst("manifests", "blobs", "uploads", "tags", "list", "referrers", "_catalog", "v2", "..", ".", "", "a", "b-c", "d__e", "F", "%2F", "sha256:0a", "x y"),
            Gen.String[Gen.Char["abz09._-/:@ %\\\u00e9"], 0, 12])
        .Array[0, 8].Select(Gen.Bool, (segments, slash) => "/v2/" + string.Join('/', segments) + (slash ? "/" : ""));

    [Fact]
    public void RegistryRoute_RandomPaths_GiveAValidNameOrNameInvalid() =>
        RoutePath.Sample(path =>
        {
            var route = RegistryRoute.Parse(path);
            if (route.Kind is RegistryRouteKind.NotFound or RegistryRouteKind.Base or RegistryRouteKind.Catalog)
            {
                return;
            }

            Assert.EndsWith(route.Reference, path, StringComparison.Ordinal);
            if (RepositoryNames.IsValidName(route.Name))
            {
                Assert.All(route.Name.Split('/'), p => Assert.Matches("^[a-z0-9][a-z0-9._-]*$", p));
                Assert.DoesNotContain("..", route.Name.Split('/'));
            }
            else
            {
                var refused = Assert.Throws<RegistryException>(() => RepositoryNames.CheckName(route.Name));
                Assert.Equal(RegistryErrorCode.NameInvalid, refused.Code);
            }
        }, iter: 2000);

    // --- Chart.yaml ----------------------------------------------------------------------------------------------

    internal const string ChartYaml = """
        apiVersion: v2
        name: nginx
        version: 15.4.2
        appVersion: "1.25.3"
        description: NGINX Open Source
        keywords: [nginx, http]
        maintainers:
          - name: Bitnami
            url: https://example.com
        dependencies:
          - name: common
            version: 2.x.x
        annotations:
          category: Infrastructure
        deprecated: false
        """;

    internal static readonly string[] YamlTokens = ["&a ", "*a", "[", "]", "{", "}", ": ", "\n  ", "- ", "!!binary ", "!!int ", "? ", "|\n  ", "\"", "'", "---\n", "~", "0x10", "1e400", "\t", "#", "name: ", "version: "];

    internal static ChartMetadata? ReadChart(byte[] archive)
    {
        try
        {
            var chart = ChartArchive.Read(archive);
            Assert.True(ChartArchive.IsValidName(chart.Name) && ChartArchive.IsValidVersion(chart.Version));
            return chart;
        }
        catch (ChartException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            return null;
        }
    }

    [Fact]
    public void ChartRead_TheSample_IsAccepted() =>
        Assert.Equal("nginx", ReadChart(ChartTgz.Of(ChartYaml))?.Name);

    [Fact]
    public void ChartRead_ArchiveBytesMutated_OnlyChartException()
    {
        var archive = ChartTgz.Of(ChartYaml);
        Gen.Int.Sample(seed => _ = ReadChart(InputMutator.Mutate(archive, seed)), iter: 500);
    }

    [Fact]
    public void ChartRead_ChartYamlMutated_OnlyChartException() =>
        Gen.Int.Sample(seed => _ = ReadChart(ChartTgz.Of(InputMutator.Mutate(ChartYaml, YamlTokens, seed))), iter: 1000);
}
