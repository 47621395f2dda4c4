using Kindling.Artifacts.Maintenance;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;
using Kindling.Artifacts.Tests.Fuzz;

namespace Kindling.Artifacts.Tests.Maintenance;

public class GarbageCollectorTests
{
    private const string Repo = "release.daocloud.io/kpanda/apiserver";
    private static readonly GcOptions Now = new() { Grace = TimeSpan.Zero };

    [Fact]
    public void Collect_DeletedImage_UnsharedBlobsFreedSharedKeptAndContentDigestUnchanged()
    {
        using var s = new StoreSample();
        var a = s.PushImage(Repo, "a", "shared layer", "only in a");
        var b = s.PushImage(Repo, "b", "shared layer", "only in b");
        var aOnly = a.Document!.Blobs.Where(x => !b.Document!.Blobs.Contains(x)).Select(x => x.Digest).ToList();
        s.Store.Registry.DeleteManifest(Repo, a.Digest.Value);
        var digestBefore = s.Store.Content.Snapshot().Digest;

        var report = GarbageCollector.Collect(s.Store, Now);

        Assert.Equal(2, aOnly.Count); // config and own layer
        Assert.Equal(aOnly.Append(a.Digest).Select(d => d.Value).Order(), report.RemovedBlobs.Select(r => r.Digest.Value).Order());
        Assert.All(aOnly.Append(a.Digest), d => Assert.False(s.Store.Blobs.Exists(d)));
        Assert.Equal(aOnly.Append(a.Digest).Sum(d => a.Document!.Blobs.FirstOrDefault(x => x.Digest == d)?.Size ?? a.ContentLength), report.BytesFreed);
        Assert.True(report.BytesFreed > 0);
        Assert.Equal(2, report.RemovedLinks.Count);
        Assert.True(s.Pulls(Repo, "b"));
        Assert.Equal(digestBefore, s.Store.Content.Snapshot().Digest);
        Assert.Empty(s.Store.Registry.Verify());
    }

    [Fact]
    public void Collect_WithinGrace_NothingRemovedAndSpareCounted()
    {
        using var s = new StoreSample();
        var a = s.PushImage(Repo, "a", "shared layer", "only in a");
        s.Store.Registry.DeleteManifest(Repo, a.Digest.Value);

        var report = GarbageCollector.Collect(s.Store, new GcOptions());

        Assert.Empty(report.RemovedBlobs);
        Assert.Empty(report.RemovedLinks);
        Assert.Equal(1, report.BlobsSpared); // the manifest's own blob; its config and layers are kept by their links, written within the grace
        Assert.All(a.Document!.Blobs, x => Assert.True(s.Store.Blobs.Exists(x.Digest)));
    }

    [Fact]
    public void Collect_DryRun_ReportsTheSameAndRemovesNothing()
    {
        using var s = new StoreSample();
        var a = s.PushImage(Repo, "a", "shared layer", "only in a");
        s.Store.Registry.DeleteManifest(Repo, a.Digest.Value);
        var count = s.Store.Blobs.Count;

        var dry = GarbageCollector.Collect(s.Store, Now with { DryRun = true });
        Assert.Equal(count, s.Store.Blobs.Count);
        var real = GarbageCollector.Collect(s.Store, Now);

        Assert.Equal(4, dry.RemovedBlobs.Count);
        Assert.Equal(dry.RemovedBlobs.Select(b => b.Digest.Value).Order(), real.RemovedBlobs.Select(b => b.Digest.Value).Order());
        Assert.Equal(dry.RemovedLinks.Order(), real.RemovedLinks.Order());
        Assert.Equal(count - 4, s.Store.Blobs.Count);
    }

    [Fact]
    public void Collect_PushInProgress_BlobsKeptWhateverTheGraceUntilTheManifestArrives()
    {
        using var s = new StoreSample();
        var config = s.PushBlob(Repo, "{\"os\":\"linux\"}");
        var layer1 = s.PushBlob(Repo, "layer one");
        var layer2 = s.PushBlob(Repo, "layer two");

        var report = GarbageCollector.Collect(s.Store, Now);
        var manifest = StoreSample.Manifest((config, 15), (layer1, 9), (layer2, 9));
        s.Store.Registry.PutManifest(Repo, "v1", manifest, ManifestDocument.OciManifest);

        Assert.Empty(report.RemovedBlobs);
        Assert.Equal(3, report.BlobsScanned - report.BlobsReachable); // three unreferenced blobs, none removed
        Assert.True(s.Pulls(Repo, "v1"));
    }

    [Fact]
    public void Collect_HeadOfAnExistingLooseBlob_KeepsItForThePush()
    {
        using var s = new StoreSample();
        var a = s.PushImage(Repo, "a", "shared layer", "only in a");
        s.Store.Registry.DeleteManifest(Repo, a.Digest.Value);
        // A client about to push the same image again checks its blobs (HEAD) and skips the uploads.
        foreach (var blob in a.Document!.Blobs)
        {
            Assert.NotNull(s.Store.Registry.CheckBlob(Repo, blob.Digest));
        }

        var report = GarbageCollector.Collect(s.Store, Now);
        s.Store.Registry.PutManifest(Repo, "a", a.Content, a.MediaType);

        Assert.Equal([a.Digest], report.RemovedBlobs.Select(r => r.Digest).ToList()); // only the deleted manifest's own blob
        Assert.True(s.Pulls(Repo, "a"));
    }

    [Fact]
    public void Collect_ManifestDeletedAfterAnotherPushCheckedItsLayer_ThatPushStillSucceeds()
    {
        using var s = new StoreSample();
        var a = s.PushImage(Repo, "a", "shared layer", "only in a");
        var shared = a.Document!.Blobs.Single(x => x.Size == "shared layer".Length);
        // Push B: the shared layer exists, so its client checks it (HEAD) and skips the upload; its own blobs go up.
        Assert.NotNull(s.Store.Registry.CheckBlob(Repo, shared.Digest));
        var config = s.PushBlob(Repo, "{\"os\":\"linux\",\"b\":1}");
        var own = s.PushBlob(Repo, "only in b");

        s.Store.Registry.DeleteManifest(Repo, a.Digest.Value);
        var report = GarbageCollector.Collect(s.Store, Now);
        var b = s.Store.Registry.PutManifest(Repo, "b", StoreSample.Manifest((config, 20), (shared.Digest, shared.Size), (own, 9)), ManifestDocument.OciManifest);

        Assert.DoesNotContain(shared.Digest, report.RemovedBlobs.Select(r => r.Digest));
        Assert.Contains(a.Digest, report.RemovedBlobs.Select(r => r.Digest)); // the deleted image's own content still goes
        Assert.True(s.Pulls(Repo, "b"));
        Assert.Equal(b.Digest, s.Store.Registry.FindManifest(Repo, "b")!.Digest);
        Assert.Empty(s.Store.Registry.Verify());
    }

    [Fact]
    public void Collect_LayerCheckedBeforeAnotherManifestNamedIt_StillProtectedWhenThatManifestIsDeleted()
    {
        using var s = new StoreSample();
        // Push A uploads its blobs; push B checks A's layer before A's manifest arrives, then A is deleted.
        var config = s.PushBlob(Repo, "{\"os\":\"linux\",\"a\":1}");
        var layer = s.PushBlob(Repo, "shared layer");
        var own = s.PushBlob(Repo, "only in a");
        Assert.NotNull(s.Store.Registry.CheckBlob(Repo, layer));
        var a = s.Store.Registry.PutManifest(Repo, "a", StoreSample.Manifest((config, 20), (layer, 12), (own, 9)), ManifestDocument.OciManifest);
        var configB = s.PushBlob(Repo, "{\"os\":\"linux\",\"b\":1}");
        var ownB = s.PushBlob(Repo, "only in b");

        s.Store.Registry.DeleteManifest(Repo, a.Digest.Value);
        var report = GarbageCollector.Collect(s.Store, Now);
        s.Store.Registry.PutManifest(Repo, "b", StoreSample.Manifest((configB, 20), (layer, 12), (ownB, 9)), ManifestDocument.OciManifest);

        Assert.Equal(new[] { a.Digest, config, own }.Select(d => d.Value).Order(), report.RemovedBlobs.Select(r => r.Digest.Value).Order());
        Assert.True(s.Pulls(Repo, "b"));
    }

    [Fact]
    public void Collect_IndexDeletedWhileAnotherPushReusesItsChild_DeleteUntaggedKeepsTheChildForThatPush()
    {
        using var s = new StoreSample();
        var config = s.PushBlob(Repo, "{\"os\":\"linux\",\"c\":1}");
        var layer1 = s.PushBlob(Repo, "layer one");
        var layer2 = s.PushBlob(Repo, "layer two");
        var childBytes = StoreSample.Manifest((config, 20), (layer1, 9), (layer2, 9));
        var child = s.Store.Registry.PutManifest(Repo, Digest.Of(childBytes).Value, childBytes, ManifestDocument.OciManifest);
        var a = s.Store.Registry.PutManifest(Repo, "1.0", StoreSample.Index(child), ManifestDocument.OciIndex);
        // Push B pushes the same child by digest again, for its own index; index A is deleted before B's index arrives.
        s.Store.Registry.PutManifest(Repo, child.Digest.Value, childBytes, ManifestDocument.OciManifest);

        s.Store.Registry.DeleteManifest(Repo, a.Digest.Value);
        var report = GarbageCollector.Collect(s.Store, Now with { DeleteUntagged = true });
        var b = s.Store.Registry.PutManifest(Repo, "2.0", StoreSample.Index(child), ManifestDocument.OciIndex);

        Assert.Empty(report.RemovedManifests);
        Assert.True(s.Pulls(Repo, child.Digest.Value));
        Assert.Equal(b.Digest, s.Store.Registry.FindManifest(Repo, "2.0")!.Digest);
    }

    [Fact]
    public void Collect_AbandonedPushAfterRestart_RemovedOnceOlderThanTheGrace()
    {
        using var s = new StoreSample();
        var layer = s.PushBlob(Repo, "abandoned layer");
        s.Reopen(); // the push's client vanished and the node restarted: only the files remain

        var report = GarbageCollector.Collect(s.Store, Now);

        Assert.Equal([layer], report.RemovedBlobs.Select(r => r.Digest).ToList());
        Assert.Equal([$"{Repo}@{layer}"], report.RemovedLinks);
        Assert.Null(s.Store.Registry.FindBlob(Repo, layer));
        Assert.Empty(s.Store.Registry.Verify());
    }

    [Fact]
    public void Collect_UntaggedManifests_KeptUnlessDeleteUntagged_IndexChildrenAndReferrersAlwaysKept()
    {
        using var s = new StoreSample();
        var amd = s.PushImage(Repo, "amd-tmp", "shared layer", "amd64 layer");
        var arm = s.PushImage(Repo, "arm-tmp", "shared layer", "arm64 layer");
        var index = s.Store.Registry.PutManifest(Repo, "1.0", StoreSample.Index(amd, arm), ManifestDocument.OciIndex);
        var signature = s.PushImage(Repo, "sig-tmp", "shared layer", "signature of the index", subject: index.Digest.Value);
        var orphan = s.PushImage(Repo, "orphan-tmp", "shared layer", "untagged and unreferenced");
        foreach (var tag in new[] { "amd-tmp", "arm-tmp", "sig-tmp", "orphan-tmp" })
        {
            s.Store.Registry.DeleteManifest(Repo, tag); // the tag only: the manifests stay, untagged
        }

        s.Reopen(); // no push in progress: only the rule decides
        var keep = GarbageCollector.Collect(s.Store, Now);
        var drop = GarbageCollector.Collect(s.Store, Now with { DeleteUntagged = true });

        Assert.Empty(keep.RemovedManifests);
        Assert.Empty(keep.RemovedBlobs);
        Assert.Equal([$"{Repo}@{orphan.Digest}"], drop.RemovedManifests);
        var orphanOnly = orphan.Document!.Blobs.Select(b => b.Digest).Where(d => !amd.Document!.Blobs.Any(x => x.Digest == d)).Append(orphan.Digest);
        Assert.Equal(orphanOnly.Select(d => d.Value).Order(), drop.RemovedBlobs.Select(r => r.Digest.Value).Order());
        Assert.True(s.Pulls(Repo, "1.0"));
        Assert.NotNull(s.Store.Registry.FindManifest(Repo, signature.Digest.Value));
        Assert.Single(s.Store.Registry.Referrers(Repo, index.Digest, null));
        Assert.Empty(s.Store.Registry.Verify());
    }

    [Fact]
    public void Collect_ChartArchives_KeptWhileLinkedFreedOnceDeleted()
    {
        using var s = new StoreSample();
        var kept = s.Store.Charts.Put(ChartTgz.Of("apiVersion: v2\nname: kpanda\nversion: 0.1.0\n"), force: false);
        var gone = s.Store.Charts.Put(ChartTgz.Of("apiVersion: v2\nname: kpanda\nversion: 0.2.0\n"), force: false);
        s.Store.Charts.Delete("kpanda", "0.2.0");

        var report = GarbageCollector.Collect(s.Store, Now);

        Assert.Equal([gone.Digest], report.RemovedBlobs.Select(r => r.Digest).ToList());
        Assert.True(s.Store.Blobs.Verify(kept.Digest));
    }

    [Fact]
    public async Task Collect_ConcurrentPushesAndDeletes_EveryTaggedImageStillPulls()
    {
        using var s = new StoreSample();
        using var stop = new CancellationTokenSource();
        var collections = 0;
        var removed = 0;
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                removed += GarbageCollector.Collect(s.Store, Now).RemovedBlobs.Count;
                collections++;
            }
        }, TestContext.Current.CancellationToken);
        var pushers = Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 60; i++)
            {
                var name = $"load/app{worker}";
                s.PushImage(name, $"v{i}", $"base layer {i % 3}", $"layer {worker}-{i}");
                if (i % 4 == 3)
                {
                    // Delete an older image: its own blobs become garbage while others keep being pushed.
                    s.Store.Registry.DeleteManifest(name, s.Store.Registry.FindManifest(name, $"v{i - 2}")!.Digest.Value);
                }
            }
        }, TestContext.Current.CancellationToken)).ToArray();

        await Task.WhenAll(pushers);
        await stop.CancelAsync();
        await collector;
        GarbageCollector.Collect(s.Store, Now);

        Assert.True(collections > 1, $"{collections} collections ran");
        for (var worker = 0; worker < 4; worker++)
        {
            for (var i = 0; i < 60; i++)
            {
                var deleted = i % 4 == 1;
                Assert.Equal(!deleted, s.Pulls($"load/app{worker}", $"v{i}"));
            }
        }

        Assert.True(removed > 0, "the collections removed the deleted images' blobs");
        Assert.Empty(s.Store.Registry.Verify());
    }
}
