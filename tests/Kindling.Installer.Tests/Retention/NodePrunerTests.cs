using System.Text;
using Kindling.Artifacts;
using Kindling.Artifacts.Files;
using Kindling.Artifacts.Storage;
using Kindling.Installer.Retention;
using Kindling.Testing;

namespace Kindling.Installer.Tests.Retention;

/// <summary>The rule applied to a real store: tags, the manifests they named, charts untouched here, files.</summary>
public class NodePrunerTests
{
    private const string Repository = "release.daocloud.io/kpanda/apiserver";

    private static string PutImage(NodeStore store, string tag, string seed)
    {
        var config = Encoding.UTF8.GetBytes($"{{\"seed\":\"{seed}\"}}");
        var configDigest = Digest.Of(config);
        store.Blobs.Put(config, configDigest);
        store.Registry.LinkBlob(Repository, configDigest);
        var manifest = Encoding.UTF8.GetBytes(
            $"{{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"{configDigest}\",\"size\":{config.Length}}},\"layers\":[]}}");
        return store.Registry.PutManifest(Repository, tag, manifest, "application/vnd.oci.image.manifest.v1+json").Digest.Value;
    }

    [Fact]
    public async Task Prune_RemovesOldTagsFilesAndTheirManifests_KeepsSharedAndHandPushed()
    {
        using var data = new TempDirectory();
        var store = NodeStore.Open(data.Path);
        var old = PutImage(store, "v1", "old");
        var shared = PutImage(store, "base", "shared");
        store.Registry.PutManifest(Repository, "base-alias", store.Registry.FindManifest(Repository, "base")!.Content, "application/vnd.oci.image.manifest.v1+json");
        var mine = PutImage(store, "mine", "by hand");
        await store.Files.PutAsync(FileStore.PublicBucket, "dl.k8s.io/v1/kubeadm", new MemoryStream([1, 2, 3]), null, CancellationToken.None);
        var fileMd5 = store.Content.Entries("files", "kubean")["dl.k8s.io/v1/kubeadm"];
        var log = ReleaseLog.Load(data.Path);
        log.Record("v1", "/pkg/v1", [new(ReleaseItem.Registry, Repository, "v1", old), new(ReleaseItem.Registry, Repository, "base", shared), new(ReleaseItem.Files, "kubean", "dl.k8s.io/v1/kubeadm", fileMd5)], DateTimeOffset.UnixEpoch);
        log.Record("v2", "/pkg/v2", [], DateTimeOffset.UnixEpoch.AddDays(1));

        var dry = NodePruner.Prune(store, log, keep: 1, dryRun: true);
        Assert.True(dry.DryRun);
        Assert.NotNull(store.Registry.FindManifest(Repository, "v1"));
        Assert.Contains(dry.Describe(), l => l.StartsWith($"would remove image {Repository}:v1", StringComparison.Ordinal));

        var result = NodePruner.Prune(store, log, keep: 1, dryRun: false);

        Assert.Null(store.Registry.FindManifest(Repository, "v1"));
        Assert.Null(store.Registry.FindManifest(Repository, old));
        Assert.Null(store.Registry.FindManifest(Repository, "base"));
        // Another tag still names the shared manifest: it stays, with that tag.
        Assert.Equal(shared, store.Registry.FindManifest(Repository, "base-alias")?.Digest.Value);
        Assert.NotNull(store.Registry.FindManifest(Repository, shared));
        Assert.Equal(mine, store.Registry.FindManifest(Repository, "mine")?.Digest.Value);
        Assert.Null(store.Files.Find(FileStore.PublicBucket, "dl.k8s.io/v1/kubeadm"));
        Assert.Equal([(Repository, old)], result.Manifests);
        Assert.Equal(["v2"], ReleaseLog.Load(data.Path).Releases.Select(r => r.Version));
        Assert.Empty(store.Registry.Verify());

        // The same from disk: a restarted node serves what the prune left.
        var reopened = NodeStore.Open(data.Path);
        Assert.Null(reopened.Registry.FindManifest(Repository, "v1"));
        Assert.NotNull(reopened.Registry.FindManifest(Repository, "mine"));
    }
}
