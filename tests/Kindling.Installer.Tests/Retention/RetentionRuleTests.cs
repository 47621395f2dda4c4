using Kindling.Installer.Retention;

namespace Kindling.Installer.Tests.Retention;

public class RetentionRuleTests
{
    private static readonly DateTimeOffset Day = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ReleaseItem Tag(string repository, string tag, char digit) => new(ReleaseItem.Registry, repository, tag, "sha256:" + new string(digit, 64));

    private static ReleaseItem Chart(string name, string version, char digit) => new(ReleaseItem.Charts, name, version, "sha256:" + new string(digit, 64));

    private static ReleaseItem File(string key, char digit) => new(ReleaseItem.Files, "kubean", key, new string(digit, 32));

    private static Release Release(string version, int day, params ReleaseItem[] items) => new(version, "/pkg/" + version, Day.AddDays(day), items);

    /// <summary>The node holds exactly these items (the content digest's view).</summary>
    private static Func<ReleaseItem, string?> Holding(params ReleaseItem[] items) =>
        item => items.FirstOrDefault(i => i.Key == item.Key) is { Service: not null } held ? held.Value : null;

    [Fact]
    public void Plan_KeepOne_RemovesWhatOnlyOlderReleasesBrought()
    {
        var oldTag = Tag("release.daocloud.io/a", "v1", '1');
        var shared = Tag("release.daocloud.io/a", "base", '2');
        var newTag = Tag("release.daocloud.io/a", "v2", '3');
        var oldChart = Chart("kpanda", "0.1.0", '4');
        var oldFile = File("dl.k8s.io/v1/kubeadm", '5');
        var releases = new[] { Release("v1", 0, oldTag, shared, oldChart, oldFile), Release("v2", 1, shared, newTag) };

        var plan = RetentionRule.Plan(releases, 1, Holding(oldTag, shared, newTag, oldChart, oldFile));

        Assert.Equal(new HashSet<ReleaseItem> { oldTag, oldChart, oldFile }, plan.Remove.ToHashSet());
        Assert.Equal(["v1"], plan.Pruned.Select(r => r.Version));
        Assert.Equal(["v2"], plan.Kept.Select(r => r.Version));
        Assert.Empty(plan.KeptChanged);
    }

    [Fact]
    public void Plan_ItemOfAKeptRelease_StaysEvenWithAnotherValue()
    {
        // v2 rebuilt the chart (same version, new archive): the key is v2's, so it stays.
        var releases = new[] { Release("v1", 0, Chart("kpanda", "0.1.0", '1')), Release("v2", 1, Chart("kpanda", "0.1.0", '2')) };

        var plan = RetentionRule.Plan(releases, 1, Holding(Chart("kpanda", "0.1.0", '2')));

        Assert.Empty(plan.Remove);
    }

    [Fact]
    public void Plan_PushedOverSinceTheImport_IsKeptAndReported()
    {
        var imported = Tag("release.daocloud.io/a", "v1", '1');
        var pushedOver = imported with { Value = "sha256:" + new string('9', 64) };
        var releases = new[] { Release("v1", 0, imported), Release("v2", 1, Tag("release.daocloud.io/a", "v2", '2')) };

        var plan = RetentionRule.Plan(releases, 1, Holding(pushedOver));

        Assert.Empty(plan.Remove);
        var (recorded, current) = Assert.Single(plan.KeptChanged);
        Assert.Equal(imported, recorded);
        Assert.Equal(pushedOver.Value, current);
    }

    [Fact]
    public void Plan_ContentNoReleaseRecorded_IsNeverRemoved()
    {
        var byHand = Tag("library/app", "mine", '7');
        var releases = new[] { Release("v1", 0, Tag("release.daocloud.io/a", "v1", '1')), Release("v2", 1) };

        var plan = RetentionRule.Plan(releases, 1, Holding(byHand, Tag("release.daocloud.io/a", "v1", '1')));

        Assert.DoesNotContain(plan.Remove, i => i.Key == byHand.Key);
        Assert.Single(plan.Remove);
    }

    [Fact]
    public void Plan_AlreadyGone_IsNotListed()
    {
        var releases = new[] { Release("v1", 0, File("a/b", '1')), Release("v2", 1) };

        var plan = RetentionRule.Plan(releases, 1, Holding());

        Assert.Empty(plan.Remove);
        Assert.Empty(plan.KeptChanged);
    }

    [Fact]
    public void Plan_ValueOfAnyOlderRelease_CountsAsPackageContent()
    {
        // v1 and v2 brought different files at the same key; the node holds v1's (v2's import was rolled back):
        // both are older than the kept v3, and the value came from a package, so it goes.
        var releases = new[] { Release("v1", 0, File("k", '1')), Release("v2", 1, File("k", '2')), Release("v3", 2) };

        var plan = RetentionRule.Plan(releases, 1, Holding(File("k", '1')));

        Assert.Equal([File("k", '1')], plan.Remove);
    }

    [Theory]
    [InlineData(2, 0)]
    [InlineData(3, 0)]
    [InlineData(1, 1)]
    public void Plan_KeepsTheLastN(int keep, int removed)
    {
        var releases = new[] { Release("v1", 0, File("one", '1')), Release("v2", 1, File("two", '2')) };

        var plan = RetentionRule.Plan(releases, keep, Holding(File("one", '1'), File("two", '2')));

        Assert.Equal(removed, plan.Remove.Count);
        Assert.Equal(Math.Min(keep, 2), plan.Kept.Count);
    }

    [Fact]
    public void Plan_KeepZero_IsRefused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => RetentionRule.Plan([], 0, _ => null));
        Assert.Contains("at least 1", e.Message, StringComparison.Ordinal);
    }
}
