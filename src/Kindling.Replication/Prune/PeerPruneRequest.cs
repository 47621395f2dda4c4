using Kindling.Replication.Nodes;

namespace Kindling.Replication.Prune;

/// <summary>
/// The removals a prune made on one node, to repeat on its peer (the backup): items as the content digest names
/// them (service, part, name, the value removed) and the manifests no tag named any more.
/// </summary>
public sealed record PeerPruneRequest
{
    /// <summary>Any one URL of the peer.</summary>
    public required Uri Peer { get; init; }

    public NodeTrust Trust { get; init; } = NodeTrust.SystemRoots;

    /// <summary><c>user:password</c> for deleting on the peer.</summary>
    public required string Credentials { get; init; }

    public required IReadOnlyList<(string Service, string Part, string Name, string Value)> Items { get; init; }

    public IReadOnlyList<(string Repository, string Digest)> Manifests { get; init; } = [];

    public bool DryRun { get; init; }
}
