namespace Kindling.Replication.Prune;

/// <summary>What a peer prune did: removed, kept (the peer holds another value: pushed there since), failed.</summary>
public sealed record PeerPruneResult(string Peer, IReadOnlyList<string> Removed, IReadOnlyList<string> Kept, IReadOnlyList<string> Failures)
{
    public bool Succeeded => Failures.Count == 0;

    public override string ToString() =>
        $"{Peer}: {Removed.Count} removed, {Kept.Count} kept (changed there since){(Failures.Count > 0 ? $", {Failures.Count} failed" : "")}";
}
