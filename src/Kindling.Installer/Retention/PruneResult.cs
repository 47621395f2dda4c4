namespace Kindling.Installer.Retention;

/// <summary>What a prune removed (or, in a dry run, would remove): the items, and the manifests no tag names any more.</summary>
public sealed record PruneResult(RetentionPlan Plan, IReadOnlyList<(string Repository, string Digest)> Manifests, bool DryRun)
{
    /// <summary>The lines an operator reads (also the dry run's list).</summary>
    public IEnumerable<string> Describe()
    {
        var verb = DryRun ? "would remove" : "removed";
        foreach (var item in Plan.Remove)
        {
            yield return $"{verb} {item} ({item.Value})";
        }

        foreach (var (repository, digest) in Manifests)
        {
            yield return $"{verb} manifest {repository}@{digest} (no tag names it any more)";
        }

        foreach (var (recorded, current) in Plan.KeptChanged)
        {
            yield return $"kept {recorded}: it is {current} now, not the {recorded.Value} release {Plan.Pruned.Last(r => r.Items.Contains(recorded)).Version} brought (pushed over since)";
        }
    }

    public override string ToString()
    {
        var count = (string service) => Plan.Remove.Count(i => i.Service == service);
        return $"{(DryRun ? "would remove" : "removed")} {count(ReleaseItem.Registry)} tag(s) and {Manifests.Count} manifest(s), {count(ReleaseItem.Charts)} chart version(s), {count(ReleaseItem.Files)} file(s) "
            + $"of release(s) {(Plan.Pruned.Count == 0 ? "(none)" : string.Join(", ", Plan.Pruned.Select(r => r.Version)))}; kept release(s) {string.Join(", ", Plan.Kept.Select(r => r.Version))}"
            + (Plan.KeptChanged.Count > 0 ? $"; {Plan.KeptChanged.Count} item(s) kept because they changed since" : "");
    }
}
