using Kindling.Artifacts.Maintenance;
using Kindling.Artifacts.Tests.Fuzz;

namespace Kindling.Artifacts.Tests.Maintenance;

public class StoreCheckTests
{
    private const string Repo = "library/app";

    [Fact]
    public void Check_HealthyStore_CleanWithUnreferencedAndLeftoversListed()
    {
        using var s = new StoreSample();
        s.PushImage(Repo, "v1", "shared", "own 1");
        s.Store.Charts.Put(ChartTgz.Of("apiVersion: v2\nname: kpanda\nversion: 0.1.0\n"), force: false);
        var loose = s.Store.Blobs.Put("nobody names me"u8);
        var loose2 = s.Store.Blobs.Put("nor me"u8);
        File.WriteAllText(Path.Combine(s.Store.Blobs.TempDirectory, ".blob.1.2.x.tmp"), "half a write");

        var report = StoreCheck.Check(s.Store, new FsckOptions());

        Assert.Equal(0, report.ExitCode);
        Assert.Equal(0, report.Damaged + report.Dangling);
        Assert.Equal(7, report.BlobsChecked); // manifest, config, two layers, the chart, the two loose ones
        Assert.Equal(1, report.ManifestsChecked);
        Assert.Equal(1, report.TagsChecked);
        Assert.Equal(1, report.ChartsChecked);
        Assert.Equal(new[] { loose.Value, loose2.Value }.Order(StringComparer.Ordinal), report.Findings.Where(f => f.Kind == FsckKind.Unreferenced).Select(f => f.Item));
        Assert.Single(report.Findings, f => f.Kind == FsckKind.Leftover);
    }

    [Fact]
    public void Check_CorruptLayer_DamagedExit4_RepairQuarantinesAndUnlinksThenClean()
    {
        using var s = new StoreSample();
        var bad = s.PushImage(Repo, "v1", "shared", "own 1");
        var good = s.PushImage("library/other", "v1", "other shared", "own 2");
        var layer = bad.Document!.Blobs[2].Digest;
        File.WriteAllText(s.Store.Blobs.PathOf(layer), "bit rot"); // same name, other bytes

        var check = StoreCheck.Check(s.Store, new FsckOptions());
        var repair = StoreCheck.Check(s.Store, new FsckOptions { Repair = true });
        var after = StoreCheck.Check(s.Store, new FsckOptions());

        Assert.Equal(4, check.ExitCode);
        var finding = Assert.Single(check.Findings, f => f.Kind == FsckKind.Damaged);
        Assert.Equal(layer.Value, finding.Item);
        Assert.Contains($"manifest {Repo}@{bad.Digest}", finding.Detail, StringComparison.Ordinal);
        Assert.Equal(1, repair.ExitCode);
        Assert.Equal("bit rot", File.ReadAllText(Path.Combine(s.Root, "store", "quarantine", "sha256", layer.Hex)));
        Assert.False(s.Store.Blobs.Exists(layer));
        Assert.Null(s.Store.Registry.FindManifest(Repo, "v1")); // the tag is gone: replication copies the image again
        Assert.True(s.Pulls("library/other", "v1"));
        Assert.Equal(0, after.ExitCode);
        Assert.Empty(s.Store.Registry.Verify());
        s.Reopen();
        Assert.Null(s.Store.Registry.FindManifest(Repo, "v1"));
        Assert.NotNull(s.Store.Registry.FindManifest("library/other", good.Digest.Value));
    }

    [Fact]
    public void Check_MissingBlobAndDanglingTag_DanglingRepairedByUnlinking()
    {
        using var s = new StoreSample();
        var image = s.PushImage(Repo, "v1", "shared", "own 1");
        var tagged = s.PushImage(Repo, "v2", "shared", "own 2");
        File.Delete(s.Store.Blobs.PathOf(image.Document!.Blobs[2].Digest));
        File.WriteAllText(Path.Combine(s.Store.Registry.Directory, "library", "app", "_manifests", "tags", "ghost"), "sha256:" + new string('0', 64));

        var check = StoreCheck.Check(s.Store, new FsckOptions { Repair = true });
        var after = StoreCheck.Check(s.Store, new FsckOptions());

        Assert.Equal(1, check.ExitCode);
        Assert.Equal(3, check.Dangling); // the layer link, the manifest naming the missing layer, the ghost tag
        Assert.Contains(check.Findings, f => f.Item == $"{Repo}:ghost");
        Assert.Equal(0, after.ExitCode);
        Assert.Null(s.Store.Registry.FindManifest(Repo, "v1"));
        Assert.True(s.Pulls(Repo, "v2"));
        Assert.Equal(tagged.Digest, s.Store.Registry.FindManifest(Repo, "v2")!.Digest);
    }

    [Fact]
    public void Check_ManifestNamesUnlinkedBlob_LinkedAgain()
    {
        using var s = new StoreSample();
        var image = s.PushImage(Repo, "v1", "shared", "own 1");
        var layer = image.Document!.Blobs[1].Digest;
        File.Delete(Path.Combine(s.Store.Registry.Directory, "library", "app", "_layers", "sha256", layer.Hex));

        var check = StoreCheck.Check(s.Store, new FsckOptions { Repair = true });
        s.Reopen();

        Assert.Equal(1, check.ExitCode);
        Assert.Equal("blob linked again", Assert.Single(check.Findings, f => f.Kind == FsckKind.Dangling).Repair);
        Assert.True(s.Pulls(Repo, "v1"));
        Assert.Equal(0, StoreCheck.Check(s.Store, new FsckOptions()).ExitCode);
    }

    [Fact]
    public void Check_CorruptChartArchive_ChartVersionRemovedAndArchiveQuarantined()
    {
        using var s = new StoreSample();
        var chart = s.Store.Charts.Put(ChartTgz.Of("apiVersion: v2\nname: kpanda\nversion: 0.1.0\n"), force: false);
        File.WriteAllText(s.Store.Blobs.PathOf(chart.Digest), "not a tgz");

        var check = StoreCheck.Check(s.Store, new FsckOptions { Repair = true });

        Assert.Equal(1, check.ExitCode);
        Assert.Contains("chart kpanda 0.1.0", Assert.Single(check.Findings, f => f.Kind == FsckKind.Damaged).Detail, StringComparison.Ordinal);
        Assert.Null(s.Store.Charts.Find("kpanda", "0.1.0"));
        Assert.True(File.Exists(Path.Combine(s.Root, "store", "quarantine", "sha256", chart.Digest.Hex)));
    }
}
