namespace Kindling.Installer.Retention;

/// <summary>What a prune removes and keeps, decided by <see cref="RetentionRule"/> before anything changes.</summary>
public sealed record RetentionPlan(
    IReadOnlyList<Release> Kept,
    IReadOnlyList<Release> Pruned,
    IReadOnlyList<ReleaseItem> Remove,
    IReadOnlyList<(ReleaseItem Recorded, string Current)> KeptChanged)
{
    public bool IsEmpty => Remove.Count == 0;
}
