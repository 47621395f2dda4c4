namespace Kindling.Artifacts.Maintenance;

/// <summary>How a garbage collection runs (<c>kindling node gc</c>, the node's schedule, <c>node prune</c>).</summary>
public sealed record GcOptions
{
    /// <summary>The default grace: a blob or link written less than a day ago is never removed.</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromHours(24);

    /// <summary>
    /// Unreferenced blobs, blob links and (with <see cref="DeleteUntagged"/>) untagged manifests are removed only when
    /// their file is older than this: it covers writes this process cannot see (an import by another process, a
    /// push interrupted by a restart). Zero removes everything unreferenced at once (tests, a quiet node).
    /// </summary>
    public TimeSpan Grace { get; init; } = DefaultGrace;

    /// <summary>
    /// In the serving node: a blob or link a client checked (HEAD), uploaded or mounted, or a manifest pushed by digest,
    /// is kept this long after that unless a new manifest has named it since (then the manifest keeps it; deleting
    /// that manifest gives no other push's check away) — the time a push may take between its blobs and its manifest,
    /// whatever the grace.
    /// </summary>
    public TimeSpan PushWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Say what would be removed, remove nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>
    /// Also remove manifests no tag reaches (Distribution's <c>--delete-untagged</c>, opt-in): a manifest named by a
    /// kept index, or a referrer whose subject is kept, is never untagged garbage.
    /// </summary>
    public bool DeleteUntagged { get; init; }
}
