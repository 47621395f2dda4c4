using System.Net;
using System.Text;
using System.Text.Json;
using Kindling.Artifacts.Http.Tests.Support;
using Kindling.Testing;
using static Kindling.Artifacts.Http.Tests.Support.RegistryClient;

namespace Kindling.Artifacts.Http.Tests.Registry;

/// <summary>Issue 13, items 5 (urls, names ending in a newline) and 7 (distribution-spec conformance: 404 for any manifest not found).</summary>
public class ManifestHardeningTests
{
    private const string Name = "library/hardened";

    [Fact]
    public async Task MalformedTag_GetAndHead_404ManifestUnknown_Put400TagInvalid()
    {
        await using var node = await NodeFixture.StartAsync();
        await PushImageAsync(node, Name, "v1");

        // The distribution-spec conformance suite's nonexistent manifest reference.
        using var get = await node.SendAsync(HttpMethod.Get, $"/v2/{Name}/manifests/.INVALID_MANIFEST_NAME");
        using var head = await node.SendAsync(HttpMethod.Head, $"/v2/{Name}/manifests/.INVALID_MANIFEST_NAME");
        using var getUnknownRepository = await node.SendAsync(HttpMethod.Get, "/v2/library/never-pushed/manifests/.INVALID_MANIFEST_NAME");
        using var put = await PutManifestAsync(node, Name, ".INVALID_MANIFEST_NAME", Encoding.UTF8.GetBytes("{}"));

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal("MANIFEST_UNKNOWN", await ErrorCodeAsync(get));
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, getUnknownRepository.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Equal("TAG_INVALID", await ErrorCodeAsync(put));
    }

    [Theory]
    [InlineData("/v2/library/newline%0A/manifests/v1", "NAME_INVALID")]
    [InlineData("/v2/" + Name + "/manifests/v1%0A", "TAG_INVALID")]
    public async Task NameOrTagEndingInNewline_PutRefused_NothingStored_CatalogIntact(string path, string code)
    {
        var curl = Requires.Tool("curl", "curl");
        await using var node = await NodeFixture.StartAsync();
        await PushImageAsync(node, Name, "v0");
        var valid = await PushImageAsync(node, Name, "v2");
        var body = Path.Combine(node.Data.Path, "manifest.json");
        await File.WriteAllBytesAsync(body, valid, TestContext.Current.CancellationToken);

        var result = await ProcessRunner.RunAsync(curl, ["-sS", "--cacert", TestPki.Shared.CaFile, "-u", node.Credentials, "-X", "PUT",
            "-H", "Content-Type: " + OciManifest, "--data-binary", "@" + body, "-w", "\n%{http_code}", node.RegistryUrl + path]);
        var lines = result.StdOut.TrimEnd().Split('\n');
        using var catalog = await node.SendAsync(HttpMethod.Get, "/v2/_catalog");
        using var tags = await node.SendAsync(HttpMethod.Get, $"/v2/{Name}/tags/list");

        Assert.Equal("400", lines[^1]);
        Assert.Contains(code, result.StdOut, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, catalog.StatusCode);
        Assert.Equal("{\"repositories\":[\"" + Name + "\"]}", await catalog.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(["v0", "v2"], JsonDocument.Parse(await tags.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement
            .GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToArray());
    }

    [Theory]
    [InlineData("config", "application/vnd.oci.image.config.v1+json")]
    [InlineData("layer", "application/vnd.oci.image.layer.v1.tar+gzip")]
    [InlineData("layer", "application/vnd.docker.image.rootfs.diff.tar.gzip")]
    public async Task MissingBlobWithUrls_OnDistributableType_ManifestBlobUnknown(string which, string mediaType)
    {
        await using var node = await NodeFixture.StartAsync();
        var config = Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\"}");
        var configDigest = await PushBlobAsync(node, Name, config);
        var missing = DigestOf(Encoding.UTF8.GetBytes("never pushed"));
        var urls = new[] { "https://example.invalid/blob" };
        object configDescriptor = which == "config"
            ? new { mediaType, digest = missing, size = 12, urls }
            : new { mediaType = "application/vnd.oci.image.config.v1+json", digest = configDigest, size = config.Length };
        var layer = which == "layer" ? new { mediaType, digest = missing, size = 12, urls } : null;
        var manifest = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciManifest,
            ["config"] = configDescriptor,
            ["layers"] = layer is null ? Array.Empty<object>() : new object[] { layer },
        });

        using var put = await PutManifestAsync(node, Name, "external", manifest);
        var body = await put.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Contains("MANIFEST_BLOB_UNKNOWN", body, StringComparison.Ordinal);
        Assert.Contains(missing, body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip")]
    [InlineData("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip")]
    public async Task MissingNonDistributableLayerWithUrls_Accepted(string mediaType)
    {
        await using var node = await NodeFixture.StartAsync();
        var config = Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"windows\"}");
        var configDigest = await PushBlobAsync(node, Name, config);
        var foreign = DigestOf(Encoding.UTF8.GetBytes("windows base layer"));
        var manifest = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciManifest,
            ["config"] = new { mediaType = "application/vnd.oci.image.config.v1+json", digest = configDigest, size = config.Length },
            ["layers"] = new[] { new { mediaType, digest = foreign, size = 18, urls = new[] { "https://example.invalid/base" } } },
        });

        using var put = await PutManifestAsync(node, Name, "windows", manifest);

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
    }
}
