using Kindling.Artifacts.Content;
using Kindling.Replication.Nodes;

namespace Kindling.Replication.Sync;

/// <summary>The settings of one <c>kindling sync</c> run.</summary>
public sealed record SyncOptions
{
    public static readonly IReadOnlySet<ContentKind> AllKinds = ContentKinds.All.ToHashSet();

    /// <summary>Any one URL of the source node.</summary>
    public required Uri From { get; init; }

    /// <summary>Any one URL of the target node.</summary>
    public required Uri To { get; init; }

    public NodeTrust Trust { get; init; } = NodeTrust.SystemRoots;

    /// <summary><c>user:password</c> for reading the source (only needed for buckets that are not public).</summary>
    public string? FromCredentials { get; init; }

    /// <summary><c>user:password</c> for writing to the target (the <c>admin-credentials</c> format).</summary>
    public string? ToCredentials { get; init; }

    /// <summary>Requests and transfers in flight at once.</summary>
    public int Parallel { get; init; } = 8;

    /// <summary>Compute and report the difference; write nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Also remove from the target what the source no longer has (never done otherwise).</summary>
    public bool Delete { get; init; }

    /// <summary>
    /// Only add what the target lacks, never replace what it has (reverse sync before a failback: what the backup
    /// received is copied back without overwriting the primary's newer content).
    /// </summary>
    public bool AddOnly { get; init; }

    public IReadOnlySet<ContentKind> Only { get; init; } = AllKinds;

    /// <summary>When set, only these items are compared and copied (reverse sync pushes back what the backup received).</summary>
    public IReadOnlySet<ContentItem>? Items { get; init; }

    /// <summary>Whether an item is in scope (always, without <see cref="Items"/>).</summary>
    public bool Includes(ContentKind kind, string part, string entry) => Items is null || Items.Contains(new ContentItem(kind, part, entry));

    /// <summary>The parts (repositories, charts, buckets) that hold items in scope; null means every part.</summary>
    public IReadOnlySet<string>? PartsOf(ContentKind kind) => Items?.Where(i => i.Kind == kind).Select(i => i.Part).ToHashSet(StringComparer.Ordinal);

    /// <summary>Skip parts (repositories, charts) whose content digests already match on both nodes.</summary>
    public bool UseContentDigests { get; init; } = true;

    private static string KindNames => string.Join(", ", ContentKinds.All.Select(k => k.Name()));

    /// <summary>Parses <c>--only images,charts,files</c>.</summary>
    public static IReadOnlySet<ContentKind> ParseKinds(string text)
    {
        var kinds = new HashSet<ContentKind>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            kinds.Add(ContentKinds.TryParse(item, out var kind)
                ? kind
                : throw new ReplicationException($"--only '{item}': not a kind of content; use {KindNames} (comma-separated)"));
        }

        return kinds.Count > 0 ? kinds : throw new ReplicationException($"--only: name at least one of {KindNames}");
    }
}
