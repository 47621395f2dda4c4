using System.Security.Cryptography;
using Kindling.Replication.Tests.Support;

namespace Kindling.Replication.Tests.Maintenance;

/// <summary><c>kindling node fsck --repair</c> on a serving backup, then <c>kindling sync</c> from the primary brings a good copy back.</summary>
public class FsckRepairTests
{
    [Fact]
    public async Task Fsck_CorruptLayerOnBackup_Damaged_RepairQuarantines_NextSyncCopiesAGoodOne()
    {
        await using var nodes = await NodePair.StartAsync();
        var layout = new TestLayout(nodes.Work.File("layout"));
        var shared = layout.AddLayer(256 << 10);
        var own = layout.AddLayer(128 << 10);
        var a = layout.AddImage("app/a:v1", shared, own);
        var b = layout.AddImage("app/b:v1", shared, layout.AddLayer(64 << 10));
        await nodes.Primary.PushImageAsync(layout.Directory, "app/a:v1");
        await nodes.Primary.PushImageAsync(layout.Directory, "app/b:v1");
        Assert.True(NodePair.Summary(await NodePair.SyncAsync(nodes.Primary, nodes.Backup)).GetProperty("inStep").GetBoolean());
        var blob = Path.Combine(nodes.Backup.DataDirectory, "store", "blobs", "sha256", own.Digest[7..9], own.Digest[7..]);
        var rotten = RandomNumberGenerator.GetBytes((int)own.Size); // same size, other bytes: only a digest check sees it
        await File.WriteAllBytesAsync(blob, rotten, TestContext.Current.CancellationToken);

        var check = await NodeMaintenance.FsckAsync(nodes.Backup.DataDirectory);
        var repair = await NodeMaintenance.FsckAsync(nodes.Backup.DataDirectory, repair: true);
        var afterRepair = await Curl.ManifestDigestAsync(nodes.Backup, "app/a", "v1");
        var sync = NodePair.Summary(await NodePair.SyncAsync(nodes.Primary, nodes.Backup));
        var after = await NodeMaintenance.FsckAsync(nodes.Backup.DataDirectory);

        Assert.Equal(4, check.GetProperty("exitCode").GetInt32());
        var damaged = Assert.Single(check.GetProperty("findings").EnumerateArray(), f => f.GetProperty("kind").GetString() == "damaged");
        Assert.Equal(own.Digest, damaged.GetProperty("item").GetString());
        Assert.Contains($"app/a@{a.Digest}", damaged.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, repair.GetProperty("exitCode").GetInt32());
        Assert.Equal(rotten, await File.ReadAllBytesAsync(Path.Combine(nodes.Backup.DataDirectory, "store", "quarantine", "sha256", own.Digest[7..]), TestContext.Current.CancellationToken));
        Assert.Null(afterRepair); // the tag went with the damaged image, so the next round copies it
        Assert.Equal(b.Digest, await Curl.ManifestDigestAsync(nodes.Backup, "app/b", "v1"));
        Assert.True(sync.GetProperty("inStep").GetBoolean(), sync.ToString());
        Assert.Equal(1, sync.GetProperty("kinds").GetProperty("images").GetProperty("copied").GetInt32());
        Assert.Equal(0, after.GetProperty("exitCode").GetInt32());
        Assert.Equal(own.Digest, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(blob, TestContext.Current.CancellationToken))));
        Assert.Equal(await nodes.Primary.DigestAsync(), await nodes.Backup.DigestAsync());
        var pull = await nodes.Backup.PullImageAsync("app/a:v1", nodes.Work.File("pulled"));
        Assert.True(pull.ExitCode == 0, pull.ToString());
    }
}
