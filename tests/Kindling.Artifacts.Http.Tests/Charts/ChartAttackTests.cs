using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kindling.Artifacts.Charts;
using Kindling.Artifacts.Http.Tests.Support;
using Kindling.Artifacts.Storage;
using Kindling.Testing;

namespace Kindling.Artifacts.Http.Tests.Charts;

/// <summary>
/// Issue 13 item 4 against a running node: a deep Chart.yaml, an alias bomb and an oversized Chart.yaml are refused
/// with a 400 naming the file and the limit, nothing is stored, and the node keeps serving; a chart over a limit
/// already in the data folder is skipped at start-up while the others serve.
/// </summary>
public class ChartAttackTests
{
    private const string Head = "apiVersion: v2\nname: evil\nversion: 1.0.0\n";

    [Fact]
    public async Task Upload_DeepAliasBombHuge_Refused400WithLimit_NodeAliveIndexSmall()
    {
        await using var node = await NodeFixture.StartAsync();
        using var good = await UploadAsync(node, Tgz("good/Chart.yaml", "apiVersion: v2\nname: good\nversion: 1.0.0\nratio: NaN\n"));
        var deep = Head + "x: " + new string('[', 100_000) + new string(']', 100_000) + "\n";
        var bomb = new StringBuilder(Head).Append("a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n");
        for (var level = 'b'; level <= 'i'; level++)
        {
            bomb.Append($"{level}: &{level} [{string.Join(',', Enumerable.Repeat($"*{(char)(level - 1)}", 9))}]\n");
        }

        var huge = Head + "description: " + new string('x', 2 * 1024 * 1024) + "\n";

        using var deepAnswer = await UploadAsync(node, Tgz("evil/Chart.yaml", deep));
        using var bombAnswer = await UploadAsync(node, Tgz("evil/Chart.yaml", bomb.ToString()));
        using var hugeAnswer = await UploadAsync(node, Tgz("evil/Chart.yaml", huge));
        using var list = await node.Client.GetAsync($"https://127.0.0.1:{node.ChartsPort}/api/charts", TestContext.Current.CancellationToken);
        var index = await node.Client.GetByteArrayAsync($"https://127.0.0.1:{node.ChartsPort}/index.yaml", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, good.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, deepAnswer.StatusCode);
        Assert.Equal("{\"error\":\"chart refused: evil/Chart.yaml:4: nested deeper than 64 levels (the limit for this document)\"}",
            await deepAnswer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.BadRequest, bombAnswer.StatusCode);
        Assert.Contains("evil/Chart.yaml:", await bombAnswer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Contains("more than 10,000 nodes with aliases expanded", await bombAnswer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, hugeAnswer.StatusCode);
        Assert.Contains("evil/Chart.yaml is 2,097,", await hugeAnswer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Contains("over the 1 MiB limit for Chart.yaml", await hugeAnswer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains("\"ratio\":\"NaN\"", await list.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.True(index.Length < 4096, $"index.yaml is {index.Length} bytes");
        Assert.Equal(1, node.Host.Store.Charts.Count);
        Assert.Equal(["good"], Directory.GetDirectories(node.Host.Store.Charts.Directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Upload_ChartAtTheDepthAndAliasLimits_ServedByApiAndIndexAndHelm()
    {
        await using var node = await NodeFixture.StartAsync();
        var nested = string.Concat(Enumerable.Range(0, 63).Select(i => new string(' ', i) + $"k{i}:\n")) + new string(' ', 63) + "leaf: 1\n";
        var yaml = "apiVersion: v2\nname: edge\nversion: 1.0.0\nbase: &b {a: 1}\ncopy: *b\n" + nested;

        using var upload = await UploadAsync(node, Tgz("edge/Chart.yaml", yaml));
        using var list = await node.Client.GetAsync($"https://127.0.0.1:{node.ChartsPort}/api/charts", TestContext.Current.CancellationToken);
        var index = await node.Client.GetStringAsync($"https://127.0.0.1:{node.ChartsPort}/index.yaml", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains("\"leaf\":1", await list.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Contains("leaf: 1", index, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_DataFolderWithStoredDeepAndBombCharts_SkipsThemLogged_ServesTheOthers()
    {
        using var data = new TempDirectory("kindling-poisoned");
        var deep = Head + "x: " + new string('[', 100_000) + new string(']', 100_000) + "\n";
        var bomb = new StringBuilder("apiVersion: v2\nname: bomb\nversion: 1.0.0\na: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n");
        for (var level = 'b'; level <= 'i'; level++)
        {
            bomb.Append($"{level}: &{level} [{string.Join(',', Enumerable.Repeat($"*{(char)(level - 1)}", 9))}]\n");
        }

        // What a node built before the limits would have stored: the archive as a blob and its link file.
        var blobs = BlobStore.Open(Path.Combine(data.Path, "store"));
        Plant(blobs, "evil", "1.0.0", Tgz("evil/Chart.yaml", deep));
        Plant(blobs, "bomb", "1.0.0", Tgz("bomb/Chart.yaml", bomb.ToString()));
        Plant(blobs, "good", "1.0.0", Tgz("good/Chart.yaml", "apiVersion: v2\nname: good\nversion: 1.0.0\n"));

        await using var node = await NodeFixture.StartAsync(data);
        using var list = await node.Client.GetAsync($"https://127.0.0.1:{node.ChartsPort}/api/charts", TestContext.Current.CancellationToken);
        var index = await node.Client.GetStringAsync($"https://127.0.0.1:{node.ChartsPort}/index.yaml", TestContext.Current.CancellationToken);
        using var archive = await node.Client.GetAsync($"https://127.0.0.1:{node.ChartsPort}/charts/good-1.0.0.tgz", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal("{\"good\":", (await list.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))[..8]);
        Assert.Contains("good-1.0.0.tgz", index, StringComparison.Ordinal);
        Assert.DoesNotContain("bomb", index, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, archive.StatusCode);
        Assert.Equal(2, node.Host.Store.Charts.Skipped.Count);
        Assert.Contains(node.Logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains("skipping", StringComparison.Ordinal)
            && l.Contains("evil/1.0.0.json", StringComparison.Ordinal) && l.Contains("nested deeper than 64 levels", StringComparison.Ordinal));
        Assert.Contains(node.Logs.Lines, l => l.Contains("bomb/1.0.0.json", StringComparison.Ordinal) && l.Contains("more than 10,000 nodes", StringComparison.Ordinal));
    }

    private static void Plant(BlobStore blobs, string name, string version, byte[] archive)
    {
        var digest = blobs.Put(archive);
        var link = Path.Combine(blobs.Root, "charts", name, version + ".json");
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.WriteAllBytes(link, JsonSerializer.SerializeToUtf8Bytes(new ChartLink(digest.Value, archive.Length, DateTimeOffset.UnixEpoch), ChartLinkJson.Default.ChartLink));
    }

    private static Task<HttpResponseMessage> UploadAsync(NodeFixture node, byte[] archive)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"https://127.0.0.1:{node.ChartsPort}/api/charts") { Content = new ByteArrayContent(archive) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(node.Credentials)));
        return node.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static byte[] Tgz(string entryName, string chartYaml)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, entryName) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(chartYaml)) });
        }

        return output.ToArray();
    }
}
