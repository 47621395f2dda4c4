using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kindling.Artifacts.Http.Tests.Support;
using static Kindling.Artifacts.Http.Tests.Support.RegistryClient;

namespace Kindling.Artifacts.Http.Tests.Registry;

/// <summary>The /v2/ API over a real HTTPS listener, driven request by request.</summary>
public class RegistryApiTests
{
    private const string Name = "release.daocloud.io/kpanda/kpanda-apiserver";

    [Fact]
    public async Task Base_Anonymous_ChallengesWithBasic_WithCredentials_Ok()
    {
        await using var node = await NodeFixture.StartAsync();

        using var anonymous = await node.SendAsync(HttpMethod.Get, "/v2/");
        using var logged = await node.SendAsync(HttpMethod.Get, "/v2/", authenticated: true);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("UNAUTHORIZED", await ErrorCodeAsync(anonymous));
        Assert.Equal(HttpStatusCode.OK, logged.StatusCode);
        Assert.Equal("registry/2.0", logged.Headers.GetValues("Docker-Distribution-API-Version").Single());
    }

    [Fact]
    public async Task Manifest_PushedByTag_AnonymousGetAndHeadByTagAndDigest()
    {
        await using var node = await NodeFixture.StartAsync();
        var manifest = await PushImageAsync(node, Name, "v1.0");
        var digest = DigestOf(manifest);

        foreach (var reference in new[] { "v1.0", digest })
        {
            var get = node.Request(HttpMethod.Get, $"/v2/{Name}/manifests/{reference}");
            get.Headers.Accept.ParseAdd(OciManifest);
            using var response = await node.Client.SendAsync(get, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(manifest, await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
            Assert.Equal(OciManifest, response.Content.Headers.ContentType!.MediaType);
            Assert.Equal(digest, response.Headers.GetValues("Docker-Content-Digest").Single());

            using var head = await node.SendAsync(HttpMethod.Head, $"/v2/{Name}/manifests/{reference}");
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(manifest.Length, head.Content.Headers.ContentLength);
        }
    }

    [Fact]
    public async Task Manifest_AcceptListsOnlyOtherTypes_ManifestUnknown()
    {
        await using var node = await NodeFixture.StartAsync();
        await PushImageAsync(node, Name, "v1");
        var get = node.Request(HttpMethod.Get, $"/v2/{Name}/manifests/v1");
        get.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");

        using var response = await node.Client.SendAsync(get, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("MANIFEST_UNKNOWN", await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task Manifest_Unknown_NameUnknownOrManifestUnknown()
    {
        await using var node = await NodeFixture.StartAsync();
        await PushImageAsync(node, Name, "v1");

        using var noRepo = await node.SendAsync(HttpMethod.Get, "/v2/no/such/repo/manifests/v1");
        using var noTag = await node.SendAsync(HttpMethod.Get, $"/v2/{Name}/manifests/v2");

        Assert.Equal("NAME_UNKNOWN", await ErrorCodeAsync(noRepo));
        Assert.Equal("MANIFEST_UNKNOWN", await ErrorCodeAsync(noTag));
    }

    [Fact]
    public async Task Blob_RangeRequests_PartialContentAnd416()
    {
        await using var node = await NodeFixture.StartAsync();
        var content = Encoding.UTF8.GetBytes("0123456789abcdefghij");
        var digest = await PushBlobAsync(node, Name, content);

        var ranged = node.Request(HttpMethod.Get, $"/v2/{Name}/blobs/{digest}");
        ranged.Headers.Range = new RangeHeaderValue(5, 9);
        using var partial = await node.Client.SendAsync(ranged, TestContext.Current.CancellationToken);
        var suffix = node.Request(HttpMethod.Get, $"/v2/{Name}/blobs/{digest}");
        suffix.Headers.Range = new RangeHeaderValue(null, 3);
        using var tail = await node.Client.SendAsync(suffix, TestContext.Current.CancellationToken);
        var beyond = node.Request(HttpMethod.Get, $"/v2/{Name}/blobs/{digest}");
        beyond.Headers.Range = new RangeHeaderValue(100, null);
        using var unsatisfiable = await node.Client.SendAsync(beyond, TestContext.Current.CancellationToken);
        using var whole = await node.SendAsync(HttpMethod.Get, $"/v2/{Name}/blobs/{digest}");

        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("56789", await partial.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("bytes 5-9/20", partial.Content.Headers.ContentRange!.ToString());
        Assert.Equal("hij", await tail.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
        Assert.Equal(content, await whole.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal(digest, whole.Headers.GetValues("Docker-Content-Digest").Single());
    }

    [Fact]
    public async Task ChunkedUpload_PatchesWithContentRange_StatusReportsOffset()
    {
        await using var node = await NodeFixture.StartAsync();
        var content = new byte[100_000];
        Random.Shared.NextBytes(content);
        using var start = await node.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/", authenticated: true);
        var location = start.Headers.Location!.ToString();

        using var first = await PatchAsync(node, location, content, 0, 60_000);
        using var status = await node.SendAsync(HttpMethod.Get, location, authenticated: true);
        using var wrongStart = await PatchAsync(node, location, content, 70_000, 10_000);
        using var second = await PatchAsync(node, location, content, 60_000, 40_000);
        using var close = await node.SendAsync(HttpMethod.Put, $"{location}?digest={DigestOf(content)}", authenticated: true);
        using var get = await node.SendAsync(HttpMethod.Get, $"/v2/{Name}/blobs/{DigestOf(content)}");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal("0-59999", first.Headers.GetValues("Range").Single());
        Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
        Assert.Equal("0-59999", status.Headers.GetValues("Range").Single());
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, wrongStart.StatusCode);
        Assert.Equal("0-99999", second.Headers.GetValues("Range").Single());
        Assert.Equal(HttpStatusCode.Created, close.StatusCode);
        Assert.Equal(content, await get.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
    }

    private static Task<HttpResponseMessage> PatchAsync(NodeFixture node, string location, byte[] content, int offset, int count)
    {
        var body = new ByteArrayContent(content, offset, count);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var request = node.Request(HttpMethod.Patch, location, authenticated: true, body);
        request.Content!.Headers.TryAddWithoutValidation("Content-Range", $"{offset}-{offset + count - 1}");
        return node.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Push_WithoutOrWithWrongCredentials_Refused401AndNothingStored()
    {
        await using var node = await NodeFixture.StartAsync();

        using var anonymous = await node.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/");
        var wrong = node.Request(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("admin:guess"u8.ToArray()));
        using var guessed = await node.Client.SendAsync(wrong, TestContext.Current.CancellationToken);
        using var deleteTag = await node.SendAsync(HttpMethod.Delete, $"/v2/{Name}/manifests/v1");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("UNAUTHORIZED", await ErrorCodeAsync(anonymous));
        Assert.Contains("Basic", anonymous.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, guessed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, deleteTag.StatusCode);
        Assert.Equal(0, node.Host.Store.Uploads.OpenCount);
        Assert.Empty(Directory.EnumerateFileSystemEntries(node.Host.Store.Uploads.Directory));
    }

    [Fact]
    public async Task Upload_WrongDigest_DigestInvalidNothingStoredAndLogged()
    {
        await using var node = await NodeFixture.StartAsync();
        var content = "real content"u8.ToArray();
        var claimed = DigestOf("something else"u8.ToArray());

        using var response = await node.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/?digest={claimed}", authenticated: true, new ByteArrayContent(content));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("DIGEST_INVALID", await ErrorCodeAsync(response));
        Assert.Equal(0, node.Host.Store.Blobs.Count);
        Assert.Empty(Directory.EnumerateFileSystemEntries(node.Host.Store.Blobs.TempDirectory));
        Assert.Contains(node.Logs.Lines, l => l.Contains("DIGEST_INVALID", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{not json", "MANIFEST_INVALID")]
    [InlineData("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"a\",\"digest\":\"sha256:0000000000000000000000000000000000000000000000000000000000000000\",\"size\":2},\"layers\":[]}", "MANIFEST_BLOB_UNKNOWN")]
    public async Task Manifest_Bad_RefusedWithSpecCodeAndNothingTagged(string body, string code)
    {
        await using var node = await NodeFixture.StartAsync();

        using var response = await PutManifestAsync(node, Name, "bad", Encoding.UTF8.GetBytes(body));
        using var get = await node.SendAsync(HttpMethod.Get, $"/v2/{Name}/manifests/bad");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, await ErrorCodeAsync(response));
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Contains(node.Logs.Lines, l => l.Contains(code, StringComparison.Ordinal) && l.Contains("Warning", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Manifest_Oversized_Refused413()
    {
        await using var node = await NodeFixture.StartAsync();

        using var response = await PutManifestAsync(node, Name, "huge", new byte[5 * 1024 * 1024]);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("SIZE_INVALID", await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task Tags_Pagination_LinkHeaderToNextPage()
    {
        await using var node = await NodeFixture.StartAsync();
        var manifest = await PushImageAsync(node, Name, "a");
        foreach (var tag in new[] { "b", "c" })
        {
            (await PutManifestAsync(node, Name, tag, manifest)).Dispose();
        }

        using var page = await node.SendAsync(HttpMethod.Get, $"/v2/{Name}/tags/list?n=2");
        using var next = await node.SendAsync(HttpMethod.Get, $"/v2/{Name}/tags/list?n=2&last=b");
        using var catalog = await node.SendAsync(HttpMethod.Get, "/v2/_catalog");

        Assert.Equal("{\"name\":\"" + Name + "\",\"tags\":[\"a\",\"b\"]}", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal($"</v2/{Name}/tags/list?n=2&last=b>; rel=\"next\"", page.Headers.GetValues("Link").Single());
        Assert.Equal("{\"name\":\"" + Name + "\",\"tags\":[\"c\"]}", await next.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("{\"repositories\":[\"" + Name + "\"]}", await catalog.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Referrers_ListsManifestWithSubject()
    {
        await using var node = await NodeFixture.StartAsync();
        var image = DigestOf(await PushImageAsync(node, Name, "v1"));
        using var sbomPut = await PutManifestAsync(node, Name, "sbom", await SbomAsync(node, image));

        using var response = await node.SendAsync(HttpMethod.Get, $"/v2/{Name}/referrers/{image}");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        Assert.Equal(image, sbomPut.Headers.GetValues("OCI-Subject").Single());
        var referrer = Assert.Single(json.RootElement.GetProperty("manifests").EnumerateArray());
        Assert.Equal("application/vnd.example.sbom", referrer.GetProperty("artifactType").GetString());
        Assert.Equal("application/vnd.oci.image.index.v1+json", response.Content.Headers.ContentType!.MediaType);
    }

    private static async Task<byte[]> SbomAsync(NodeFixture node, string subject)
    {
        var config = "{}"u8.ToArray();
        var layer = "sbom"u8.ToArray();
        return Manifest(await PushBlobAsync(node, Name, config), config.Length, await PushBlobAsync(node, Name, layer), layer.Length, subject);
    }

    [Fact]
    public async Task Mount_FromOtherRepository_CreatedWithoutUpload()
    {
        await using var node = await NodeFixture.StartAsync();
        var digest = await PushBlobAsync(node, "library/source", "shared"u8.ToArray());

        using var mounted = await node.SendAsync(HttpMethod.Post, $"/v2/library/target/blobs/uploads/?mount={digest}&from=library/source", authenticated: true);
        using var notThere = await node.SendAsync(HttpMethod.Post, $"/v2/library/other/blobs/uploads/?mount={digest}&from=library/empty", authenticated: true);
        using var head = await node.SendAsync(HttpMethod.Head, $"/v2/library/target/blobs/{digest}");

        Assert.Equal(HttpStatusCode.Created, mounted.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, notThere.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
    }

    [Fact]
    public async Task Delete_TagThenManifestThenBlob()
    {
        await using var node = await NodeFixture.StartAsync();
        var manifest = await PushImageAsync(node, Name, "v1", "to delete");
        var layer = DigestOf("to delete"u8.ToArray());

        using var deleteTag = await node.SendAsync(HttpMethod.Delete, $"/v2/{Name}/manifests/v1", authenticated: true);
        using var byDigest = await node.SendAsync(HttpMethod.Get, $"/v2/{Name}/manifests/{DigestOf(manifest)}");
        using var deleteManifest = await node.SendAsync(HttpMethod.Delete, $"/v2/{Name}/manifests/{DigestOf(manifest)}", authenticated: true);
        using var deleteBlob = await node.SendAsync(HttpMethod.Delete, $"/v2/{Name}/blobs/{layer}", authenticated: true);
        using var blob = await node.SendAsync(HttpMethod.Head, $"/v2/{Name}/blobs/{layer}");

        Assert.Equal(HttpStatusCode.Accepted, deleteTag.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byDigest.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, deleteManifest.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, deleteBlob.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, blob.StatusCode);
    }
}
