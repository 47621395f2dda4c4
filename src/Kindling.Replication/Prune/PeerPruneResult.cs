namespace Kindling.Replication.Prune;

/// <summary>What a peer prune did: removed, kept (the peer holds another value, pushed there since, or still uses it: a tag or index there names it), failed.</summary>
public sealed record PeerPruneResult(string Peer, IReadOnlyList<string> Removed, IReadOnlyList<string> Kept, IReadOnlyList<string> Failures)
{
    public bool Succeeded => Failures.Count == 0;

    public override string ToString() =>
        $"{Peer}: {Removed.Count} removed, {Kept.Count} kept (changed or still used there){(Failures.Count > 0 ? $", {Failures.Count} failed" : "")}";
}
