using Kindling.Installer.Retention;
using Kindling.Testing;

namespace Kindling.Installer.Tests.Retention;

public class ReleaseLogTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Record_SavesAndLoadsTheSameReleases_OldestFirst()
    {
        using var data = new TempDirectory();
        var log = ReleaseLog.Load(data.Path);
        log.Record("v1", "/pkg/v1", [new ReleaseItem(ReleaseItem.Files, "kubean", "a/b", "00112233445566778899aabbccddeeff")], Now);
        log.Record("v2", "/pkg/v2", [new ReleaseItem(ReleaseItem.Charts, "kpanda", "0.2.0", "sha256:" + new string('a', 64))], Now.AddDays(1));

        var loaded = ReleaseLog.Load(data.Path);

        Assert.Equal(["v1", "v2"], loaded.Releases.Select(r => r.Version));
        Assert.Equal(new ReleaseItem(ReleaseItem.Files, "kubean", "a/b", "00112233445566778899aabbccddeeff"), Assert.Single(loaded.Releases[0].Items));
        Assert.Equal(Now.AddDays(1), loaded.Releases[1].Imported);
    }

    [Fact]
    public void Record_SameVersionAgain_MergesItsItemsAndMakesItTheLatest()
    {
        using var data = new TempDirectory();
        var log = ReleaseLog.Load(data.Path);
        log.Record("v1", "/pkg", [new ReleaseItem(ReleaseItem.Files, "kubean", "a", "1")], Now);
        log.Record("v2", "/pkg", [], Now);
        log.Record("v1", "/pkg", [new ReleaseItem(ReleaseItem.Registry, "r", "t", "sha256:x")], Now);

        var loaded = ReleaseLog.Load(data.Path);

        Assert.Equal(["v2", "v1"], loaded.Releases.Select(r => r.Version));
        Assert.Equal(2, loaded.Releases[1].Items.Count);
    }

    [Fact]
    public void Forget_RemovesPrunedReleases()
    {
        using var data = new TempDirectory();
        var log = ReleaseLog.Load(data.Path);
        log.Record("v1", "/pkg", [], Now);
        log.Record("v2", "/pkg", [], Now);

        log.Forget(["v1"]);

        Assert.Equal(["v2"], ReleaseLog.Load(data.Path).Releases.Select(r => r.Version));
    }

    [Fact]
    public void Load_DamagedFile_IsAnErrorNamingIt()
    {
        using var data = new TempDirectory();
        var path = data.Write(ReleaseLog.FileName, "{\"releases\":[{\"version\":\"v1\"");

        var e = Assert.Throws<InstallerException>(() => ReleaseLog.Load(data.Path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("not a release log", e.Message, StringComparison.Ordinal);
    }
}
