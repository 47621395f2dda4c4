using System.Text.Json;
using Kindling.Replication.Tests.Support;
using Kindling.Testing;

namespace Kindling.Replication.Tests.Sync;

/// <summary><c>kindling sync</c> of images between two real nodes, checked with skopeo and the registry API.</summary>
public class ImageSyncTests
{
    private static readonly string[] Apps = ["release.daocloud.io/app/one", "release.daocloud.io/app/two", "library/three"];

    [Fact]
    public async Task Sync_EmptyBackup_DryRunChangesNothing_FullCopiesAll_IncrementalCopiesOnlyTheChange_SecondRunNothing()
    {
        await using var nodes = await NodePair.StartAsync();
        var sample = nodes.Work.File("sample");
        var package = await ProcessRunner.KindlingAsync("package", "sample", "--out", sample);
        Assert.True(package.ExitCode == 0, package.ToString());
        var sampleLayout = Path.Combine(sample, "offline", "images");
        var sampleRefs = PackageReferences(sampleLayout);
        var layout = new TestLayout(nodes.Work.File("layout"));
        var baseLayer = layout.AddLayer(2 << 20);
        foreach (var app in Apps)
        {
            layout.AddImage($"{app}:v1", baseLayer, layout.AddLayer(256 << 10));
        }

        foreach (var reference in sampleRefs)
        {
            await nodes.Primary.PushImageAsync(sampleLayout, reference);
        }

        foreach (var app in Apps)
        {
            await nodes.Primary.PushImageAsync(layout.Directory, $"{app}:v1");
        }

        var references = sampleRefs.Concat(Apps.Select(a => $"{a}:v1")).ToList();
        var emptyDigest = await nodes.Backup.DigestAsync();

        // Dry run: the difference is printed, nothing is written.
        var dry = NodePair.Summary(await NodePair.SyncAsync(nodes.Primary, nodes.Backup, "--dry-run"));
        Assert.Equal(references.Count, dry.GetProperty("changes").GetArrayLength());
        Assert.All(dry.GetProperty("changes").EnumerateArray(), c => Assert.Equal("add", c.GetProperty("action").GetString()));
        Assert.Equal(emptyDigest, await nodes.Backup.DigestAsync());
        Assert.Null(await Curl.ManifestDigestAsync(nodes.Backup, "library/three", "v1"));

        // Full sync: every tag names the same manifest on both nodes; the shared base crossed once.
        var full = NodePair.Summary(await NodePair.SyncAsync(nodes.Primary, nodes.Backup));
        var images = full.GetProperty("kinds").GetProperty("images");
        Assert.Equal(references.Count, images.GetProperty("copied").GetInt32());
        Assert.True(full.GetProperty("inStep").GetBoolean(), full.ToString());
        Assert.True(images.GetProperty("objectsMounted").GetInt32() >= 2, $"the base layer is mounted into the other repositories: {images}");
        Assert.True(images.GetProperty("bytesCopied").GetInt64() < (2 << 20) * 2, $"the 2 MiB base crossed once: {images}");
        foreach (var reference in references)
        {
            var (repository, tag) = Split(reference);
            Assert.Equal(await Curl.ManifestDigestAsync(nodes.Primary, repository, tag), await Curl.ManifestDigestAsync(nodes.Backup, repository, tag));
        }

        Assert.Equal(await nodes.Primary.DigestAsync(), await nodes.Backup.DigestAsync());
        var pulled = await nodes.Backup.PullImageAsync("release.daocloud.io/kindling/hello:v1.0.0", nodes.Work.File("pulled"));
        Assert.True(pulled.ExitCode == 0, $"skopeo pulls the multi-arch image, every blob digest-checked: {pulled}");

        // Incremental: one tag moved to a new image, one new repository; only those two are copied.
        layout.AddImage("release.daocloud.io/app/one:v1", baseLayer, layout.AddLayer(128 << 10));
        layout.AddImage("release.daocloud.io/app/four:v1", baseLayer, layout.AddLayer(128 << 10));
        await nodes.Primary.PushImageAsync(layout.Directory, "release.daocloud.io/app/one:v1");
        await nodes.Primary.PushImageAsync(layout.Directory, "release.daocloud.io/app/four:v1");
        var oldOne = await Curl.ManifestDigestAsync(nodes.Backup, "release.daocloud.io/app/one", "v1");
        var incremental = NodePair.Summary(await NodePair.SyncAsync(nodes.Primary, nodes.Backup));
        var changes = incremental.GetProperty("changes").EnumerateArray().ToList();
        Assert.Equal(2, changes.Count);
        var update = Assert.Single(changes, c => c.GetProperty("action").GetString() == "update");
        Assert.Equal("release.daocloud.io/app/one:v1", update.GetProperty("name").GetString());
        Assert.Equal(oldOne, update.GetProperty("from").GetString());
        Assert.Equal(await Curl.ManifestDigestAsync(nodes.Primary, "release.daocloud.io/app/one", "v1"), update.GetProperty("to").GetString());
        Assert.Contains(changes, c => c.GetProperty("name").GetString() == "release.daocloud.io/app/four:v1" && c.GetProperty("action").GetString() == "add");
        var incrementalImages = incremental.GetProperty("kinds").GetProperty("images");
        Assert.True(incrementalImages.GetProperty("partsUnchanged").GetInt32() >= references.Count - 1, incrementalImages.ToString());
        Assert.True(incremental.GetProperty("inStep").GetBoolean());

        // Nothing changed: nothing but listings.
        var again = NodePair.Summary(await NodePair.SyncAsync(nodes.Primary, nodes.Backup));
        var againImages = again.GetProperty("kinds").GetProperty("images");
        Assert.Equal(0, again.GetProperty("changes").GetArrayLength());
        Assert.Equal(0, againImages.GetProperty("objectsCopied").GetInt32());
        Assert.Equal(0, againImages.GetProperty("bytesCopied").GetInt64());
        Assert.True(again.GetProperty("inStep").GetBoolean());

        // The same answer without the content-digest shortcut: every tag compared by HEAD.
        var full2 = NodePair.Summary(await NodePair.SyncAsync(nodes.Primary, nodes.Backup, "--full-compare"));
        Assert.Equal(0, full2.GetProperty("changes").GetArrayLength());
        Assert.Equal(references.Count + 1, full2.GetProperty("kinds").GetProperty("images").GetProperty("upToDate").GetInt32());
    }

    [Fact]
    public async Task Sync_ExtraTagOnTarget_KeptWithoutDelete_ListedByDryRun_RemovedWithDelete()
    {
        await using var nodes = await NodePair.StartAsync();
        var layout = new TestLayout(nodes.Work.File("layout"));
        layout.AddImage("library/kept:v1", layout.AddLayer(64 << 10));
        layout.AddImage("library/extra:v1", layout.AddLayer(64 << 10));
        layout.AddImage("library/kept:old", layout.AddLayer(64 << 10));
        await nodes.Primary.PushImageAsync(layout.Directory, "library/kept:v1");
        await nodes.Backup.PushImageAsync(layout.Directory, "library/extra:v1");
        await nodes.Backup.PushImageAsync(layout.Directory, "library/kept:old");

        var plain = NodePair.Summary(await NodePair.SyncAsync(nodes.Primary, nodes.Backup));
        Assert.Equal(0, plain.GetProperty("kinds").GetProperty("images").GetProperty("deleted").GetInt32());
        Assert.NotNull(await Curl.ManifestDigestAsync(nodes.Backup, "library/extra", "v1"));
        Assert.NotNull(await Curl.ManifestDigestAsync(nodes.Backup, "library/kept", "old"));
        Assert.False(plain.GetProperty("inStep").GetBoolean(), "the backup still holds more than the primary");

        var dry = NodePair.Summary(await NodePair.SyncAsync(nodes.Primary, nodes.Backup, "--delete", "--dry-run"));
        var planned = dry.GetProperty("changes").EnumerateArray().Where(c => c.GetProperty("action").GetString() == "delete")
            .Select(c => c.GetProperty("name").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["library/extra:v1", "library/kept:old"], planned);
        Assert.NotNull(await Curl.ManifestDigestAsync(nodes.Backup, "library/extra", "v1"));

        var deleted = NodePair.Summary(await NodePair.SyncAsync(nodes.Primary, nodes.Backup, "--delete"));
        Assert.Equal(2, deleted.GetProperty("kinds").GetProperty("images").GetProperty("deleted").GetInt32());
        Assert.Null(await Curl.ManifestDigestAsync(nodes.Backup, "library/extra", "v1"));
        Assert.Null(await Curl.ManifestDigestAsync(nodes.Backup, "library/kept", "old"));
        Assert.NotNull(await Curl.ManifestDigestAsync(nodes.Backup, "library/kept", "v1"));
        Assert.True(deleted.GetProperty("inStep").GetBoolean(), deleted.ToString());
    }

    [Fact]
    public async Task Sync_CorruptBlobOnSource_DetectedNamedAndNotPropagated_OtherImagesCopied()
    {
        await using var nodes = await NodePair.StartAsync();
        var layout = new TestLayout(nodes.Work.File("layout"));
        var bad = layout.AddLayer(1 << 20);
        layout.AddImage("library/broken:v1", bad);
        layout.AddImage("library/fine:v1", layout.AddLayer(1 << 20));
        await nodes.Primary.PushImageAsync(layout.Directory, "library/broken:v1");
        await nodes.Primary.PushImageAsync(layout.Directory, "library/fine:v1");

        // Bit rot on the primary's disk: same length, different bytes.
        var stored = StoredBlob(nodes.Primary, bad.Digest);
        var bytes = await File.ReadAllBytesAsync(stored, TestContext.Current.CancellationToken);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(stored, bytes, TestContext.Current.CancellationToken);

        var result = await NodePair.SyncAsync(nodes.Primary, nodes.Backup);
        var summary = NodePair.Summary(result, expectedExit: 1);
        var failure = Assert.Single(summary.GetProperty("failures").EnumerateArray());
        Assert.Equal("library/broken:v1", failure.GetProperty("name").GetString());
        Assert.Contains(bad.Digest, failure.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("corrupt", failure.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains(bad.Digest, result.StdErr, StringComparison.Ordinal);

        Assert.Null(await Curl.ManifestDigestAsync(nodes.Backup, "library/broken", "v1"));
        Assert.Equal(404, await Curl.StatusAsync(nodes.Backup, $"/v2/library/broken/blobs/{bad.Digest}", "HEAD"));
        Assert.False(File.Exists(StoredBlob(nodes.Backup, bad.Digest)), "no corrupt bytes in the backup's store");
        Assert.Equal(await Curl.ManifestDigestAsync(nodes.Primary, "library/fine", "v1"), await Curl.ManifestDigestAsync(nodes.Backup, "library/fine", "v1"));
    }

    internal static string StoredBlob(TestNode node, string digest)
    {
        var hex = digest["sha256:".Length..];
        return Path.Combine(node.DataDirectory, "store", "blobs", "sha256", hex[..2], hex);
    }

    internal static (string Repository, string Tag) Split(string reference)
    {
        var colon = reference.LastIndexOf(':');
        return (reference[..colon], reference[(colon + 1)..]);
    }

    internal static List<string> PackageReferences(string layout)
    {
        using var index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(layout, "index.json")));
        return index.RootElement.GetProperty("manifests").EnumerateArray()
            .Select(m => m.GetProperty("annotations").GetProperty("org.opencontainers.image.ref.name").GetString()!).ToList();
    }
}
