namespace Kindling.Installer.Retention;

/// <summary>
/// The retention rule across upgrades (<c>--prune --keep-releases N</c>): content that came from an offline package
/// and is in none of the last N imported packages is removed; everything else stays:
/// <list type="bullet">
/// <item>an item (tag, chart version, file key) that any of the last N releases brought stays, whatever its value;</item>
/// <item>an item only older releases brought goes when the node still holds a value one of them brought; when its
/// value differs (someone pushed over it since) it is kept and reported;</item>
/// <item>an item no release recorded (pushed by people, replicated from elsewhere) is never touched.</item>
/// </list>
/// </summary>
internal static class RetentionRule
{
    /// <param name="releases">Oldest first, as <see cref="ReleaseLog.Releases"/>.</param>
    /// <param name="keep">How many of the latest releases to keep (at least 1).</param>
    /// <param name="current">The value the node holds for an item now, or null when it holds none.</param>
    public static RetentionPlan Plan(IReadOnlyList<Release> releases, int keep, Func<ReleaseItem, string?> current)
    {
        if (keep < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(keep), keep, "--keep-releases must be at least 1: the latest release is what the node serves");
        }

        var cut = Math.Max(0, releases.Count - keep);
        var pruned = releases.Take(cut).ToList();
        var kept = releases.Skip(cut).ToList();
        var keptKeys = kept.SelectMany(r => r.Items).Select(i => i.Key).ToHashSet();
        var remove = new List<ReleaseItem>();
        var changed = new List<(ReleaseItem, string)>();
        foreach (var group in pruned.SelectMany(r => r.Items).Where(i => !keptKeys.Contains(i.Key)).GroupBy(i => i.Key))
        {
            var now = current(group.First());
            if (now is null)
            {
                continue;
            }

            var brought = group.FirstOrDefault(i => i.Value == now);
            if (brought != default)
            {
                remove.Add(brought);
            }
            else
            {
                changed.Add((group.Last(), now));
            }
        }

        return new RetentionPlan(kept, pruned, remove, changed);
    }
}
