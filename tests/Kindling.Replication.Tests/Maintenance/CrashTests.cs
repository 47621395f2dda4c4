using Kindling.Replication.Tests.Support;
using Kindling.Testing;

namespace Kindling.Replication.Tests.Maintenance;

/// <summary>
/// <c>kill -9</c> of a node at random moments while skopeo pushes to it, while <c>kindling sync</c> replicates into it,
/// and while it collects garbage; after each kill, <c>kindling node fsck</c> on its folder finds nothing damaged or
/// dangling (leftovers of the interrupted writes are expected and listed).
/// </summary>
public class CrashTests
{
    private const int Kills = 50;

    [Fact]
    public async Task KillDashNine_DuringPushReplicationAndGc_50Times_FsckFindsNothingDamagedOrDangling()
    {
        Requires.Tool("skopeo", "skopeo");
        using var work = new TempDirectory("kindling-crash");
        await using var source = await TestNode.StartAsync(TestNode.PrimaryAddress, work.File("source"), "--gc-interval", "0");
        await using var target = await TestNode.StartAsync(TestNode.BackupAddress, work.File("target"), "--ca-from", source.DataDirectory, "--gc-interval", "0");
        var layout = new TestLayout(work.File("layout"));
        var shared = layout.AddLayer(1 << 20);
        var random = new Random(17);
        var problems = new List<string>();
        var leftovers = 0;
        for (var i = 0; i < Kills; i++)
        {
            if (i > 0)
            {
                await target.StartAsync();
            }

            var what = (i % 3) switch { 0 => "push", 1 => "replication", _ => "gc" };
            Task operation;
            switch (what)
            {
                case "push":
                    layout.AddImage($"crash/push:v{i}", shared, layout.AddLayer(3 << 20));
                    operation = Quietly(target.PushImageAsync(layout.Directory, $"crash/push:v{i}"));
                    break;
                case "replication":
                    layout.AddImage($"crash/repl:v{i}", shared, layout.AddLayer(3 << 20));
                    await source.PushImageAsync(layout.Directory, $"crash/repl:v{i}");
                    operation = Quietly(NodePair.SyncAsync(source, target));
                    break;
                default:
                    // Garbage to collect: an image pushed and deleted.
                    var manifest = layout.AddImage($"crash/gc:v{i}", layout.AddLayer(1 << 20), layout.AddLayer(1 << 20));
                    await target.PushImageAsync(layout.Directory, $"crash/gc:v{i}");
                    await NodeMaintenance.DeleteManifestAsync(target, "crash/gc", manifest.Digest);
                    operation = Quietly(ProcessRunner.KindlingAsync("node", "gc", "--data", target.DataDirectory, "--grace", "0"));
                    break;
            }

            await Task.Delay(random.Next(10, 700), TestContext.Current.CancellationToken);
            await target.KillAsync();
            await operation;
            var fsck = await NodeMaintenance.FsckAsync(target.DataDirectory);
            leftovers += fsck.GetProperty("leftovers").GetInt32();
            if (fsck.GetProperty("damaged").GetInt32() + fsck.GetProperty("dangling").GetInt32() > 0)
            {
                problems.Add($"kill {i} during {what}: {fsck}");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        // The node still starts and its folder checks clean.
        await target.StartAsync();
        Assert.Equal(0, (await NodeMaintenance.FsckAsync(target.DataDirectory)).GetProperty("exitCode").GetInt32());
        TestContext.Current.TestOutputHelper?.WriteLine($"{Kills} kills, {leftovers} leftovers listed by fsck in all");
    }

    /// <summary>The operation the kill interrupts: its failure is expected.</summary>
    private static async Task Quietly(Task operation)
    {
        try
        {
            await operation;
        }
        catch (Exception e) when (e is Xunit.Sdk.XunitException or IOException or InvalidOperationException)
        {
        }
    }
}
