using Kindling.Replication.Tests.Support;
using Kindling.Testing;

namespace Kindling.Replication.Tests.Maintenance;

/// <summary>
/// Garbage collection inside a serving node (<c>kindling node gc</c> through its admin socket) while skopeo pushes:
/// 200 pushes sharing base layers, 50 collections with no grace interleaved, images deleted along the way.
/// </summary>
public class GcUnderLoadTests
{
    private const int Images = 200;
    private const int Collections = 50;
    private const int Workers = 4;

    [Fact]
    public async Task Gc_200PushesWith50CollectionsInterleaved_EveryImagePulls_DeletedImagesFreed_FsckClean()
    {
        Requires.Tool("skopeo", "skopeo");
        using var work = new TempDirectory("kindling-gc-load");
        await using var node = await TestNode.StartAsync(TestNode.PrimaryAddress, work.File("node"), "--gc-interval", "0");
        var layout = new TestLayout(work.File("layout"));
        var bases = Enumerable.Range(0, 3).Select(_ => layout.AddLayer(64 << 10)).ToArray();
        var images = new List<(string Reference, TestLayout.Blob Manifest, TestLayout.Blob Own)>();
        for (var i = 0; i < Images; i++)
        {
            var own = layout.AddLayer(8 << 10);
            var reference = $"load/app{i % 8}:v{i}";
            images.Add((reference, layout.AddImage(reference, bases[i % 3], own), own));
        }

        static bool Deleted(int i) => i % 20 == 7;
        var next = -1;
        var completed = 0;
        using var due = new SemaphoreSlim(0);
        var pushers = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Images)
            {
                var (reference, manifest, _) = images[i];
                await node.PushImageAsync(layout.Directory, reference);
                if (Deleted(i))
                {
                    await NodeMaintenance.DeleteManifestAsync(node, reference.Split(':')[0], manifest.Digest);
                }

                if (Interlocked.Increment(ref completed) % (Images / Collections) == 0)
                {
                    due.Release();
                }
            }
        }, TestContext.Current.CancellationToken)).ToList();
        var removed = 0;
        var collector = Task.Run(async () =>
        {
            for (var k = 0; k < Collections; k++)
            {
                await due.WaitAsync(TestContext.Current.CancellationToken);
                var report = await NodeMaintenance.GcAsync(node.DataDirectory, "--grace", "0");
                removed += report.GetProperty("blobsRemoved").GetInt32();
            }
        }, TestContext.Current.CancellationToken);
        await Task.WhenAll(pushers);
        await collector;

        // Quiet now: one more collection must leave the content digest as it was.
        var before = await node.DigestAsync();
        var last = await NodeMaintenance.GcAsync(node.DataDirectory, "--grace", "0");
        Assert.Equal(before, await node.DigestAsync());
        var fsck = await NodeMaintenance.FsckAsync(node.DataDirectory);
        Assert.True(fsck.GetProperty("damaged").GetInt32() == 0 && fsck.GetProperty("dangling").GetInt32() == 0, fsck.ToString());
        Assert.Equal(0, fsck.GetProperty("unreferenced").GetInt32());
        Assert.True(removed + last.GetProperty("blobsRemoved").GetInt32() >= 3 * Images / 20, $"the deleted images' manifest, config and own layer were freed: {removed} removed");

        next = -1;
        var pullers = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Images)
            {
                var (reference, manifest, own) = images[i];
                var (repository, tag) = (reference.Split(':')[0], reference.Split(':')[1]);
                if (Deleted(i))
                {
                    Assert.Null(await Curl.ManifestDigestAsync(node, repository, tag));
                    Assert.False(NodeMaintenance.HasBlob(node.DataDirectory, own.Digest), $"{reference}'s own layer was freed");
                    Assert.False(NodeMaintenance.HasBlob(node.DataDirectory, manifest.Digest), $"{reference}'s manifest was freed");
                    continue;
                }

                // skopeo checks every blob's digest as it copies; the tag must name the manifest pushed.
                var pull = await node.PullImageAsync(reference, work.File($"out-{i}"));
                Assert.True(pull.ExitCode == 0, $"pull {reference}: {pull}");
                Assert.Equal(manifest.Digest, await Curl.ManifestDigestAsync(node, repository, tag));
            }
        }, TestContext.Current.CancellationToken)).ToList();
        await Task.WhenAll(pullers);
        Assert.All(bases, b => Assert.True(NodeMaintenance.HasBlob(node.DataDirectory, b.Digest), "shared base layers stay"));
    }
}
