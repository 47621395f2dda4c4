using CsCheck;
using Kindling.Artifacts.Content;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Tests.Registry;

namespace Kindling.Artifacts.Tests.Content;

public class ContentDigestTests
{
    private static readonly Gen<(string Part, string Name, string Value)> Entry =
        Gen.Select(Gen.String["abc/"].Where(s => s.Length > 0), Gen.String["xyz."].Where(s => s.Length > 0), Gen.String["0123456789abcdef"]);

    [Fact]
    public void Snapshot_SameEntriesInAnyOrder_SameDigests()
    {
        Gen.Select(Entry.List[0, 30], Gen.Int).Sample((entries, seed) =>
        {
            var unique = entries.DistinctBy(e => (e.Part, e.Name)).ToList();
            var shuffled = unique.OrderBy(_ => new Random(seed).Next()).ToList();
            var a = Build(unique);
            var b = Build(shuffled);
            Assert.Equal(a.Digest, b.Digest);
            Assert.Equal(a.Services["registry"].Parts, b.Services["registry"].Parts);
        });
    }

    [Fact]
    public void Set_ThenRemove_ReturnsToTheDigestBefore_AndTheEmptyPartDisappears()
    {
        Gen.Select(Entry.List[0, 20], Entry).Sample((entries, extra) =>
        {
            var content = new ContentDigest();
            foreach (var (part, name, value) in entries.DistinctBy(e => (e.Part, e.Name)).Where(e => (e.Part, e.Name) != (extra.Part, extra.Name)))
            {
                content.Set("registry", part, name, value);
            }

            var before = content.Snapshot();
            content.Set("registry", extra.Part, extra.Name, extra.Value + "!");
            Assert.NotEqual(before.Digest, content.Snapshot().Digest);
            content.Set("registry", extra.Part, extra.Name, null);
            var after = content.Snapshot();
            Assert.Equal(before.Digest, after.Digest);
            Assert.Equal(before.Services["registry"].Parts, after.Services["registry"].Parts);
        });
    }

    [Fact]
    public void Set_ValueChange_ChangesOnlyThatPartServiceAndNode()
    {
        var content = new ContentDigest();
        content.Set("registry", "library/a", "v1", "sha256:1");
        content.Set("registry", "library/b", "v1", "sha256:2");
        content.Set("charts", "nginx", "1.0.0", "sha256:3");
        var before = content.Snapshot();

        content.Set("registry", "library/a", "v1", "sha256:9");
        var after = content.Snapshot();

        Assert.NotEqual(before.Digest, after.Digest);
        Assert.NotEqual(before.Services["registry"].Parts["library/a"], after.Services["registry"].Parts["library/a"]);
        Assert.Equal(before.Services["registry"].Parts["library/b"], after.Services["registry"].Parts["library/b"]);
        Assert.Equal(before.Services["charts"].Digest, after.Services["charts"].Digest);
        Assert.Equal(2, after.Services["registry"].Items);
        Assert.Equal("sha256:9", content.Entries("registry", "library/a")["v1"]);
    }

    [Fact]
    public void Snapshot_EntryMovedBetweenParts_DiffersFromBefore()
    {
        // The same name and value in another part is other content (length-prefixed fields, part in the hash).
        var one = new ContentDigest();
        one.Set("registry", "ab", "c", "sha256:1");
        var two = new ContentDigest();
        two.Set("registry", "a", "bc", "sha256:1");
        Assert.NotEqual(one.Snapshot().Digest, two.Snapshot().Digest);
    }

    [Fact]
    public void Empty_EveryServiceHasTheEmptyDigest()
    {
        var snapshot = new ContentDigest().Snapshot();
        Assert.Equal(ContentDigest.Services.Order(StringComparer.Ordinal), snapshot.Services.Keys.Order(StringComparer.Ordinal));
        Assert.All(snapshot.Services.Values, s => Assert.Equal(ContentDigest.EmptyDigest, s.Digest));
        Assert.Matches("^sha256:[0-9a-f]{64}$", snapshot.Digest);
    }

    [Fact]
    public void RegistryContent_FollowsPushRetagAndDelete_AndAReopenedStoreAgrees()
    {
        using var fixture = new RegistryFixture();
        var content = new ContentDigest();
        RegistryContent.Track(fixture.Registry, content);
        var first = fixture.Registry.PutManifest("library/app", "v1", fixture.ImageManifest("library/app", "one"), ManifestDocument.OciManifest);
        Assert.Equal(first.Digest.Value, content.Entries("registry", "library/app")["v1"]);

        var second = fixture.Registry.PutManifest("library/app", "v1", fixture.ImageManifest("library/app", "two"), ManifestDocument.OciManifest);
        fixture.Registry.PutManifest("library/app", "v2", second.Content, ManifestDocument.OciManifest);
        Assert.Equal(second.Digest.Value, content.Entries("registry", "library/app")["v1"]);
        var live = content.Snapshot();

        var reopened = new ContentDigest();
        fixture.Reopen();
        RegistryContent.Track(fixture.Registry, reopened);
        Assert.Equal(live.Digest, reopened.Snapshot().Digest);

        // Deleting the manifest by digest removes both tags naming it: the registry holds no named content.
        fixture.Registry.DeleteManifest("library/app", second.Digest.Value);
        Assert.Empty(reopened.Entries("registry", "library/app"));
        Assert.Equal(new ContentDigest().Snapshot().Digest, reopened.Snapshot().Digest);
    }

    private static ContentDigestSnapshot Build(IEnumerable<(string Part, string Name, string Value)> entries)
    {
        var content = new ContentDigest();
        foreach (var (part, name, value) in entries)
        {
            content.Set("registry", part, name, value);
        }

        return content.Snapshot();
    }
}
