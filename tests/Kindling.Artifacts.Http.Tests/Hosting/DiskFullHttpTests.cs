using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Kindling.Artifacts.Http.Tests.Support;
using Kindling.Artifacts.Storage;
using Kindling.Testing;

namespace Kindling.Artifacts.Http.Tests.Hosting;

/// <summary>
/// A node whose data folder is a small tmpfs: writes that meet the full disk answer each protocol's error body
/// (registry UNKNOWN 500 as Distribution, S3 507 XMinioStorageFull, charts 507 JSON) and leave nothing behind; writes
/// below <c>--min-free</c> are refused before a byte is written (507); reads go on; /healthz says degraded with 200.
/// </summary>
public class DiskFullHttpTests
{
    private const long Mib = 1024 * 1024;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static Task<NodeFixture> StartAsync(SmallFileSystem disk, SpaceThreshold? minFree) =>
        NodeFixture.StartAsync(disk.Directory, o => o with { MinFree = minFree });

    private static byte[] Random(long size)
    {
        var bytes = new byte[size];
        System.Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static AuthenticationHeaderValue Basic(NodeFixture node) => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(node.Credentials)));

    private static async Task<JsonNode> JsonAsync(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync(Token))!;

    [Fact]
    public async Task RegistryChunk_ThatFillsTheDisk_Answers500Unknown_AndRemovesTheUpload()
    {
        using var disk = SmallFileSystem.Mount(16 * Mib);
        await using var node = await StartAsync(disk, SpaceThreshold.OfBytes(0));
        var kept = Encoding.UTF8.GetBytes("a layer pushed before");
        var keptDigest = Digest.Of(kept);
        using (var put = await node.SendAsync(HttpMethod.Post, $"/v2/app/blobs/uploads/?digest={keptDigest}", true, new ByteArrayContent(kept)))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        disk.Fill(2 * Mib);
        using var start = await node.SendAsync(HttpMethod.Post, "/v2/app/blobs/uploads/", true);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var location = start.Headers.Location!.ToString();
        // No Content-Length (chunked, as skopeo streams a layer): nothing to refuse up front, the disk fills mid-write.
        var body = new StreamContent(new MemoryStream(Random(4 * Mib)));
        body.Headers.ContentLength = null;
        using var patch = await node.Client.SendAsync(new HttpRequestMessage(HttpMethod.Patch, node.RegistryUrl + location) { Content = body, Headers = { Authorization = Basic(node) } }, Token);

        Assert.Equal(HttpStatusCode.InternalServerError, patch.StatusCode);
        var error = (await JsonAsync(patch))["errors"]![0]!;
        Assert.Equal("UNKNOWN", error["code"]!.GetValue<string>());
        Assert.Contains("no space left on device", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(disk.Path, error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(disk.FilesUnder("store/uploads"));
        Assert.Empty(disk.FilesUnder("store/tmp"));
        using (var status = await node.SendAsync(HttpMethod.Get, location, true))
        {
            Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
        }

        using var read = await node.SendAsync(HttpMethod.Get, $"/v2/app/blobs/{keptDigest}");
        Assert.Equal(kept, await read.Content.ReadAsByteArrayAsync(Token));
        Assert.Contains(node.Logs.Lines, l => l.Contains("no space left on device", StringComparison.Ordinal) && l.Contains(disk.Path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task BelowMinFree_WritesAreRefused507BeforeAByte_ReadsAndDeletesWork()
    {
        using var disk = SmallFileSystem.Mount(16 * Mib);
        await using var node = await StartAsync(disk, SpaceThreshold.OfBytes(4 * Mib));
        var files = $"https://127.0.0.1:{node.FilesPort}";
        using (var old = await node.Client.SendAsync(new HttpRequestMessage(HttpMethod.Put, files + "/kubean/old.txt") { Content = new StringContent("old"), Headers = { Authorization = Basic(node) } }, Token))
        {
            Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        }

        disk.Fill(3 * Mib);
        var tmpBefore = disk.FilesUnder("store/tmp").Count;

        using var upload = await node.SendAsync(HttpMethod.Post, "/v2/app/blobs/uploads/", true);
        Assert.Equal((HttpStatusCode)507, upload.StatusCode);
        Assert.Equal("UNKNOWN", (await JsonAsync(upload))["errors"]![0]!["code"]!.GetValue<string>());

        using var s3 = await node.Client.SendAsync(new HttpRequestMessage(HttpMethod.Put, files + "/kubean/new.bin") { Content = new ByteArrayContent(Random(1000)), Headers = { Authorization = Basic(node) } }, Token);
        Assert.Equal((HttpStatusCode)507, s3.StatusCode);
        var xml = await s3.Content.ReadAsStringAsync(Token);
        Assert.Contains("<Code>XMinioStorageFull</Code>", xml, StringComparison.Ordinal);
        Assert.Contains("no space left", xml, StringComparison.Ordinal);

        using var chart = await node.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"https://127.0.0.1:{node.ChartsPort}/api/charts") { Content = new ByteArrayContent(Random(1000)), Headers = { Authorization = Basic(node) } }, Token);
        Assert.Equal((HttpStatusCode)507, chart.StatusCode);
        Assert.Contains("no space left", (await JsonAsync(chart))["error"]!.GetValue<string>(), StringComparison.Ordinal);

        Assert.Equal(tmpBefore, disk.FilesUnder("store/tmp").Count);
        using var get = await node.Client.GetAsync(files + "/kubean/old.txt", Token);
        Assert.Equal("old", await get.Content.ReadAsStringAsync(Token));
        using var delete = await node.Client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, files + "/kubean/old.txt") { Headers = { Authorization = Basic(node) } }, Token);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);

        disk.Free();
        using var after = await node.Client.SendAsync(new HttpRequestMessage(HttpMethod.Put, files + "/kubean/new.bin") { Content = new ByteArrayContent(Random(1000)), Headers = { Authorization = Basic(node) } }, Token);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task ObjectPut_ThatFillsTheDisk_Answers507XMinioStorageFull_AndChartUpload507Json()
    {
        using var disk = SmallFileSystem.Mount(16 * Mib);
        await using var node = await StartAsync(disk, SpaceThreshold.OfBytes(0));
        var files = $"https://127.0.0.1:{node.FilesPort}";
        disk.Fill(Mib);

        var content = new StreamContent(new MemoryStream(Random(3 * Mib)));
        using var put = await node.Client.SendAsync(new HttpRequestMessage(HttpMethod.Put, files + "/kubean/big.bin") { Content = content, Headers = { Authorization = Basic(node) } }, Token);

        Assert.Equal((HttpStatusCode)507, put.StatusCode);
        var xml = await put.Content.ReadAsStringAsync(Token);
        Assert.Contains("<Code>XMinioStorageFull</Code>", xml, StringComparison.Ordinal);
        Assert.Contains("no space left on device", xml, StringComparison.Ordinal);
        using (var head = await node.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, files + "/kubean/big.bin"), Token))
        {
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        }

        Assert.Empty(disk.FilesUnder("store/tmp"));

        disk.Fill(0);
        var archive = Charts.HelmTests.ChartTgz("app", "1.0.0");
        using var chart = await node.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"https://127.0.0.1:{node.ChartsPort}/api/charts") { Content = new ByteArrayContent(archive), Headers = { Authorization = Basic(node) } }, Token);
        Assert.Equal((HttpStatusCode)507, chart.StatusCode);
        Assert.Contains("no space left on device", (await JsonAsync(chart))["error"]!.GetValue<string>(), StringComparison.Ordinal);
        using var index = await node.Client.GetAsync($"https://127.0.0.1:{node.ChartsPort}/index.yaml", Token);
        Assert.DoesNotContain("app", await index.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthz_LowOrFull_IsDegradedWith200_AndMetricsCarryTheThresholds()
    {
        using var disk = SmallFileSystem.Mount(16 * Mib);
        await using var node = await StartAsync(disk, null);
        using (var ok = await node.Client.GetAsync(node.RegistryUrl + "/healthz", Token))
        {
            Assert.Equal("ok", (await JsonAsync(ok))["status"]!.GetValue<string>());
        }

        // 5 % of 16 MiB is 0.8 MiB; the default minimum is 1 % (0.16 MiB).
        disk.Fill(Mib / 2);
        await Task.Delay(1100, Token); // /healthz keeps its answer for a second
        using (var low = await node.Client.GetAsync(node.RegistryUrl + "/healthz", Token))
        {
            Assert.Equal(HttpStatusCode.OK, low.StatusCode);
            var json = await JsonAsync(low);
            Assert.Equal("degraded", json["status"]!.GetValue<string>());
            Assert.Equal("low", json["storage"]!["status"]!.GetValue<string>());
            Assert.True(json["storage"]!["freeBytes"]!.GetValue<long>() < json["storage"]!["lowBelowBytes"]!.GetValue<long>());
        }

        disk.Fill(0);
        await Task.Delay(1100, Token);
        using (var full = await node.Client.GetAsync(node.RegistryUrl + "/healthz", Token))
        {
            Assert.Equal(HttpStatusCode.OK, full.StatusCode);
            var json = await JsonAsync(full);
            Assert.Equal("degraded", json["status"]!.GetValue<string>());
            Assert.Equal("full", json["storage"]!["status"]!.GetValue<string>());
        }

        using var status = await node.Client.GetAsync(node.RegistryUrl + "/kindling/v1/status", Token);
        Assert.Equal("full", (await JsonAsync(status))["data"]!["space"]!.GetValue<string>());
        var metrics = await node.Client.GetStringAsync(node.RegistryUrl + "/metrics", Token);
        Assert.Contains($"kindling_data_low_space_bytes {16 * Mib * 5 / 100}", metrics, StringComparison.Ordinal);
        Assert.Contains($"kindling_data_min_free_bytes {16 * Mib / 100}", metrics, StringComparison.Ordinal);
        Assert.Matches(@"kindling_data_free_bytes \d{1,6}\n", metrics);
    }
}
