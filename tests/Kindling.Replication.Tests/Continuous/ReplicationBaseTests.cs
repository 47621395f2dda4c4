using Kindling.Artifacts.Content;
using Kindling.Replication.Continuous;
using Kindling.Replication.Sync;
using Kindling.Testing;

namespace Kindling.Replication.Tests.Continuous;

public class ReplicationBaseTests
{
    [Fact]
    public void LocalChanges_ThreeWay_ChangedReplacesAddedOnlyWhereMissing_EqualIsTheSources()
    {
        using var dir = new TempDirectory("kindling-base");
        var path = dir.File("replication/base.json");
        var stored = ReplicationBase.Load(path);
        Assert.False(stored.Exists);
        stored.ReplaceWith([("registry", "library/app", "v1", "sha256:a"), ("charts", "web", "1.0.0", "sha256:c"), ("files", "kubean", "x/y", "0123")]);
        stored.Record([new SyncChange(new ContentItem(ContentKind.Images, "library/tool", "v2"), SyncAction.Add, "library/tool:v2", null, "sha256:t")]);
        stored.Save();

        var reloaded = ReplicationBase.Load(path);
        Assert.True(reloaded.Exists);
        Assert.Equal(4, reloaded.Count);
        var (changed, added) = reloaded.LocalChanges(
        [
            ("registry", "library/app", "v1", "sha256:b"),   // moved here: copy back, replacing
            ("registry", "library/tool", "v2", "sha256:t"),  // as in the base: the source's to change
            ("registry", "library/hotfix", "v1", "sha256:h"), // new here: copy back where missing
            ("charts", "web", "1.0.0", "sha256:c"),
            ("files", "kubean", "x/y", "0123"),
        ]);
        Assert.Equal([new ContentItem(ContentKind.Images, "library/app", "v1")], changed);
        Assert.Equal([new ContentItem(ContentKind.Images, "library/hotfix", "v1")], added);
    }

    [Fact]
    public void Load_DamagedFile_IsNoBase()
    {
        using var dir = new TempDirectory("kindling-base");
        var loaded = ReplicationBase.Load(dir.Write("base.json", "{not json"));
        Assert.False(loaded.Exists);
        Assert.Equal(0, loaded.Count);
    }
}
