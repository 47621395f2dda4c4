using Kindling.Artifacts.Content;
using Kindling.Replication.Nodes;
using Kindling.Replication.Sync;

namespace Kindling.Replication.Export;

/// <summary>The settings of one <c>kindling package export</c>.</summary>
public sealed record ExportOptions
{
    /// <summary>Any one URL of the node to export.</summary>
    public required Uri From { get; init; }

    /// <summary>The folder the package's parts are written into (the caller's temporary folder).</summary>
    public required string Directory { get; init; }

    public NodeTrust Trust { get; init; } = NodeTrust.SystemRoots;

    /// <summary><c>user:password</c> for reading (only needed where the node does not serve anonymously).</summary>
    public string? Credentials { get; init; }

    public IReadOnlySet<ContentKind> Only { get; init; } = SyncOptions.AllKinds;

    public int Parallel { get; init; } = 4;
}
