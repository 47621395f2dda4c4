using System.Net;
using System.Security.Cryptography;
using Kindling.Artifacts.Http.Tests.Support;
using Kindling.Testing;

namespace Kindling.Artifacts.Http.Tests.Maintenance;

/// <summary>The node's own garbage collection (<c>node serve --gc-interval</c>) and the admin socket's <c>/gc</c>.</summary>
public class ScheduledCollectionTests
{
    [Fact]
    public async Task Schedule_UnreferencedOldBlob_RemovedByTheNodeItself_TaggedImageKept()
    {
        await using var node = await NodeFixture.StartAsync(configure: o => o with { GcInterval = TimeSpan.FromMilliseconds(200), GcGrace = TimeSpan.FromHours(1) });
        var store = node.Host.Store;
        var kept = store.Blobs.Put("a chart or layer someone references"u8);
        store.Registry.LinkBlob("library/kept", kept);
        // A blob a crashed push left two days ago: nothing names it, older than the grace.
        var content = RandomNumberGenerator.GetBytes(1000);
        var orphan = Storage.Digest.Of(content);
        Directory.CreateDirectory(Path.GetDirectoryName(store.Blobs.PathOf(orphan))!);
        await File.WriteAllBytesAsync(store.Blobs.PathOf(orphan), content, TestContext.Current.CancellationToken);
        File.SetLastWriteTimeUtc(store.Blobs.PathOf(orphan), DateTime.UtcNow.AddDays(-2));

        // The collection removes the file first and logs its report when the sweep is done: wait for both.
        const string report = "garbage collection: removed 1 blob(s), 1000 bytes";
        bool Reported() => node.Logs.Lines.Any(l => l.Contains(report, StringComparison.Ordinal));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((store.Blobs.Exists(orphan) || !Reported()) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.False(store.Blobs.Exists(orphan), "the scheduled collection removed the orphan");
        Assert.True(store.Blobs.Exists(kept), "a linked blob younger than the grace stays");
        Assert.Contains(node.Logs.Lines, l => l.Contains(report, StringComparison.Ordinal));
        using var blob = await node.SendAsync(HttpMethod.Head, $"/v2/library/kept/blobs/{kept}");
        Assert.Equal(HttpStatusCode.OK, blob.StatusCode);
    }

    [Fact]
    public async Task OfflineGcAndFsck_OnTheFolderOfARunningNodeWhoseSocketDoesNotAnswer_Refused_NothingRemoved()
    {
        // A node without its admin socket stands for one that is starting, stuck, or whose socket was removed: the
        // CLI cannot reach it, and must not collect on its folder beside pushes only the node knows of.
        await using var node = await NodeFixture.StartAsync(configure: o => o with { AdminSocketPath = "" });
        var store = node.Host.Store;
        var content = RandomNumberGenerator.GetBytes(1000);
        var orphan = Storage.Digest.Of(content);
        Directory.CreateDirectory(Path.GetDirectoryName(store.Blobs.PathOf(orphan))!);
        await File.WriteAllBytesAsync(store.Blobs.PathOf(orphan), content, TestContext.Current.CancellationToken);
        File.SetLastWriteTimeUtc(store.Blobs.PathOf(orphan), DateTime.UtcNow.AddDays(-2));

        var gc = await ProcessRunner.KindlingAsync("node", "gc", "--data", node.Data.Path, "--grace", "0");
        var fsck = await ProcessRunner.KindlingAsync("node", "fsck", "--data", node.Data.Path, "--repair");

        foreach (var (result, command) in new[] { (gc, "node gc"), (fsck, "node fsck") })
        {
            Assert.True(result.ExitCode != 0, $"{command} ran on a live folder: {result}");
            Assert.Contains("node.lock", result.StdErr, StringComparison.Ordinal);
            Assert.Contains("does not work on the folder of a running node", result.StdErr, StringComparison.Ordinal);
        }

        Assert.True(store.Blobs.Exists(orphan), "nothing was collected");
    }

    [Fact]
    public async Task NodeStart_WhileAnotherProcessHoldsTheFolder_RefusedNamingTheLock()
    {
        using var data = new TempDirectory("kindling-node");
        using var held = Kindling.Artifacts.StoreLock.TryTake(data.Path);
        Assert.NotNull(held);

        var e = await Assert.ThrowsAsync<IOException>(() => NodeFixture.StartAsync(data, o => o with { AdminSocketPath = "" }));

        Assert.Contains("node.lock", e.Message, StringComparison.Ordinal);
    }
}
