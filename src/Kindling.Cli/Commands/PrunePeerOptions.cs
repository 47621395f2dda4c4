using System.CommandLine;
using Kindling.Installer.Retention;
using Kindling.Replication;
using Kindling.Replication.Nodes;
using Kindling.Replication.Prune;

namespace Kindling.Cli.Commands;

/// <summary>
/// <c>--prune-peer URL --prune-peer-credentials FILE [--prune-peer-ca FILE]</c>: repeat a prune's removals on the
/// backup (the only way a delete reaches it: continuous replication never deletes).
/// </summary>
internal sealed class PrunePeerOptions
{
    public Option<string?> Peer { get; } = new("--prune-peer") { Description = "Also remove what was pruned from this peer (the backup; any one of its URLs), where it still holds the same content" };
    public Option<string?> Credentials { get; } = new("--prune-peer-credentials") { Description = "With --prune-peer: file with the peer's user:password (its admin-credentials)" };
    public Option<string[]> Ca { get; } = new("--prune-peer-ca") { Description = "With --prune-peer: the peer's CA certificate (default: this node's DATA/pki/ca.crt); repeatable" };

    public IEnumerable<Option> All => [Peer, Credentials, Ca];

    /// <summary>Checks the options before anything changes; null when no peer is named.</summary>
    public PeerPruneRequest? Parse(ParseResult parse, string dataDir)
    {
        if (parse.GetValue(Peer) is not { } peer)
        {
            return parse.GetValue(Credentials) is not null || parse.GetValue(Ca) is { Length: > 0 }
                ? throw new UsageException("--prune-peer-credentials and --prune-peer-ca go with --prune-peer URL (the backup to prune too)")
                : null;
        }

        try
        {
            var credentials = parse.GetValue(Credentials) ?? throw new UsageException("--prune-peer: give --prune-peer-credentials FILE (the peer's admin-credentials) to delete there");
            var ca = parse.GetValue(Ca) is { Length: > 0 } given ? given : [Path.Combine(dataDir, "pki", "ca.crt")];
            return new PeerPruneRequest
            {
                Peer = NodeEndpoints.ParseUrl(peer, "--prune-peer"),
                Credentials = CredentialsFile.Read(credentials, "--prune-peer-credentials"),
                Trust = NodeTrust.FromFiles(ca),
                Items = [],
            };
        }
        catch (ReplicationException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>Repeats <paramref name="result"/>'s removals on the peer; prints what happened; false when something failed.</summary>
    public static async Task<bool> PushAsync(PeerPruneRequest peer, PruneResult result, CancellationToken cancellationToken)
    {
        if (result.Plan.Remove.Count == 0 && result.Manifests.Count == 0)
        {
            return true;
        }

        PeerPruneResult done;
        try
        {
            done = await PeerPrune.RunAsync(peer with
            {
                Items = [.. result.Plan.Remove.Select(i => (i.Service, i.Part, i.Name, i.Value))],
                Manifests = result.Manifests,
                DryRun = result.DryRun,
            }, cancellationToken);
        }
        catch (ReplicationException e)
        {
            await Console.Error.WriteLineAsync($"kindling: prune of the peer {peer.Peer} failed: {e.Message}; run 'kindling node prune' again, or 'kindling sync --delete' from this node to the peer");
            return false;
        }

        Console.WriteLine($"prune of the peer {done}");
        foreach (var kept in done.Kept)
        {
            Console.WriteLine($"  kept on the peer: {kept}");
        }

        foreach (var failure in done.Failures)
        {
            await Console.Error.WriteLineAsync($"kindling: prune of the peer: {failure}");
        }

        return done.Succeeded;
    }
}
