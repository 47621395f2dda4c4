using System.Security.Cryptography;
using System.Text;
using Kindling.Replication.Tests.Support;

namespace Kindling.Replication.Tests.Sync;

/// <summary><c>kindling sync</c> of the chart repository (ChartMuseum API) and the file store (S3 API) between two real nodes.</summary>
public class ChartAndFileSyncTests
{
    private static readonly string[] Keys =
    [
        "github.com/containernetworking/plugins/releases/download/v1.3.0/cni-plugins-linux-amd64-v1.3.0.tgz",
        "dl.k8s.io/release/v1.29.5/bin/linux/amd64/kubeadm",
        "dl.k8s.io/release/v1.29.5/bin/linux/amd64/kubelet",
        "centos/7/os/x86_64/repodata/repomd.xml",
        "a file with spaces+plus.txt",
    ];

    [Fact]
    public async Task Sync_ChartsAndFiles_CopiedVerified_ChangesFollow_DeletesOnlyWithDelete_CorruptChartRefused()
    {
        await using var nodes = await NodePair.StartAsync();
        var dir = nodes.Work.File("upload");
        Directory.CreateDirectory(dir);
        var web = TestContent.Chart("web", "1.0.0", "replicas: 1\n");
        await TestContent.UploadChartAsync(nodes.Primary, dir, web);
        await TestContent.UploadChartAsync(nodes.Primary, dir, TestContent.Chart("db", "2.1.0", "size: 10Gi\n"));
        foreach (var key in Keys)
        {
            await TestContent.PutFileAsync(nodes.Primary, dir, key, RandomNumberGenerator.GetBytes(100_000 + key.Length));
        }

        var first = NodePair.Summary(await NodePair.SyncAsync(nodes.Primary, nodes.Backup));
        Assert.True(first.GetProperty("inStep").GetBoolean(), first.ToString());
        Assert.Equal(2, first.GetProperty("kinds").GetProperty("charts").GetProperty("copied").GetInt32());
        Assert.Equal(Keys.Length, first.GetProperty("kinds").GetProperty("files").GetProperty("copied").GetInt32());
        Assert.Equal(await TestContent.ChartDigestsAsync(nodes.Primary), await TestContent.ChartDigestsAsync(nodes.Backup));
        foreach (var key in Keys)
        {
            Assert.Equal(await TestContent.FileMd5Async(nodes.Primary, key), await TestContent.FileMd5Async(nodes.Backup, key));
        }

        // A changed file and a new chart version are copied; a file deleted on the primary stays without --delete.
        await TestContent.PutFileAsync(nodes.Primary, dir, Keys[1], Encoding.UTF8.GetBytes("kubeadm v2"));
        await TestContent.DeleteFileAsync(nodes.Primary, Keys[2]);
        await TestContent.UploadChartAsync(nodes.Primary, dir, TestContent.Chart("web", "1.1.0", "replicas: 2\n"));
        var second = NodePair.Summary(await NodePair.SyncAsync(nodes.Primary, nodes.Backup));
        var changes = second.GetProperty("changes").EnumerateArray().Select(c => (c.GetProperty("action").GetString(), c.GetProperty("name").GetString())).ToList();
        Assert.Equal([("add", "web 1.1.0"), ("update", "kubean/" + Keys[1])], changes.Order().ToList());
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes("kubeadm v2"))), await TestContent.FileMd5Async(nodes.Backup, Keys[1]));
        Assert.NotNull(await TestContent.FileMd5Async(nodes.Backup, Keys[2]));
        Assert.Equal(1, second.GetProperty("kinds").GetProperty("charts").GetProperty("partsUnchanged").GetInt32());

        var deleting = NodePair.Summary(await NodePair.SyncAsync(nodes.Primary, nodes.Backup, "--delete"));
        Assert.Equal(1, deleting.GetProperty("kinds").GetProperty("files").GetProperty("deleted").GetInt32());
        Assert.Null(await TestContent.FileMd5Async(nodes.Backup, Keys[2]));
        Assert.True(deleting.GetProperty("inStep").GetBoolean(), deleting.ToString());

        // A chart archive rotten on the primary's disk is refused by digest, and the backup keeps its good copy.
        await TestContent.UploadChartAsync(nodes.Primary, dir, TestContent.Chart("cache", "0.1.0", "ttl: 5\n"));
        var cacheDigest = (await TestContent.ChartDigestsAsync(nodes.Primary))["cache 0.1.0"];
        var stored = ImageSyncTests.StoredBlob(nodes.Primary, "sha256:" + cacheDigest);
        var bytes = await File.ReadAllBytesAsync(stored, TestContext.Current.CancellationToken);
        bytes[^10] ^= 0xFF;
        await File.WriteAllBytesAsync(stored, bytes, TestContext.Current.CancellationToken);
        var corrupt = NodePair.Summary(await NodePair.SyncAsync(nodes.Primary, nodes.Backup), expectedExit: 1);
        var failure = Assert.Single(corrupt.GetProperty("failures").EnumerateArray());
        Assert.Equal("cache 0.1.0", failure.GetProperty("name").GetString());
        Assert.Contains(cacheDigest, failure.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.False((await TestContent.ChartDigestsAsync(nodes.Backup)).ContainsKey("cache 0.1.0"));
    }
}
