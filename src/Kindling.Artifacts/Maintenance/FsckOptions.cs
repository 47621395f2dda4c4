namespace Kindling.Artifacts.Maintenance;

/// <summary>How <c>kindling node fsck</c> runs.</summary>
public sealed record FsckOptions
{
    /// <summary>Quarantine what is damaged (never delete it), unlink what dangles, remove leftovers.</summary>
    public bool Repair { get; init; }

    /// <summary>
    /// Temporary files younger than this are writes in progress, not leftovers, when the check runs inside the
    /// serving node; a stopped node's temporary files are all leftovers (<see cref="TimeSpan.Zero"/>).
    /// </summary>
    public TimeSpan TemporaryAge { get; init; } = TimeSpan.Zero;
}
