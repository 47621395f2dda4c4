using Kindling.Artifacts.Content;
using Kindling.Replication.Charts;
using Kindling.Replication.Files;
using Kindling.Replication.Nodes;
using Kindling.Replication.Registry;

namespace Kindling.Replication.Prune;

/// <summary>
/// Repeats a prune's removals on the peer over its HTTP APIs, as the operator asked by naming the peer: an item is
/// removed only where the peer holds the same value the prune removed (its content digest entries say so), so what
/// was pushed to the peer since is kept. Continuous replication never deletes; this is how a delete reaches a backup
/// (docs/storage-layout.md, "Deletes and the backup").
/// </summary>
public static class PeerPrune
{
    public static async Task<PeerPruneResult> RunAsync(PeerPruneRequest request, CancellationToken cancellationToken)
    {
        using var http = NodeHttp.CreateClient(request.Trust, 4);
        var peer = await NodeEndpoints.DiscoverAsync(http, request.Peer, cancellationToken);
        if (!peer.IsKindling)
        {
            throw new ReplicationException($"{request.Peer}: not a Kindling node (no /kindling/v1/info): a prune is repeated only on a Kindling peer");
        }

        var removed = new List<string>();
        var kept = new List<string>();
        var failures = new List<string>();
        var registry = peer.Registry is null ? null : new RegistryClient(http, peer.Registry, request.Credentials);
        var charts = peer.Charts is null ? null : new ChartRepositoryClient(http, peer.Charts, request.Credentials);
        var files = peer.Files is null ? null : new ObjectStoreClient(http, peer.Files, request.Credentials);
        if (registry is not null && !request.DryRun)
        {
            await registry.CheckCredentialsAsync(cancellationToken);
        }

        var entries = new Dictionary<(string, string), IReadOnlyDictionary<string, string>>();
        async Task<string?> CurrentAsync(string service, string part, string name)
        {
            if (!entries.TryGetValue((service, part), out var known))
            {
                known = await ContentDigestClient.EntriesAsync(http, peer, service, part, cancellationToken);
                entries[(service, part)] = known;
            }

            return known.GetValueOrDefault(name);
        }

        foreach (var (service, part, name, value) in request.Items)
        {
            var kind = ContentKinds.FromService(service);
            var what = kind switch { ContentKind.Images => $"image {part}:{name}", ContentKind.Charts => $"chart {part} {name}", _ => $"file {part}/{name}" };
            try
            {
                var current = await CurrentAsync(service, part, name);
                if (current is null)
                {
                    continue;
                }

                if (current != value)
                {
                    kept.Add($"{what}: {current} there, not {value}");
                    continue;
                }

                if (!request.DryRun)
                {
                    await (kind switch
                    {
                        ContentKind.Images => registry?.DeleteManifestAsync(part, name, cancellationToken),
                        ContentKind.Charts => charts?.DeleteAsync(part, name, cancellationToken),
                        _ => files?.DeleteAsync(part, name, cancellationToken),
                    } ?? Task.CompletedTask);
                }

                removed.Add(what);
            }
            catch (Exception e) when (e is ReplicationException or HttpRequestException)
            {
                failures.Add($"{what}: {e.Message}");
            }
        }

        foreach (var (repository, digest) in request.Manifests)
        {
            if (registry is null || request.DryRun)
            {
                continue;
            }

            try
            {
                // Left alone when a tag on the peer still names it (pushed there since).
                var tags = await ContentDigestClient.EntriesAsync(http, peer, RegistryContent.Service, repository, cancellationToken);
                if (tags.Values.Contains(digest, StringComparer.Ordinal) || await registry.ManifestDigestAsync(repository, digest, cancellationToken) is null)
                {
                    continue;
                }

                await registry.DeleteManifestAsync(repository, digest, cancellationToken);
                removed.Add($"manifest {repository}@{digest}");
            }
            catch (Exception e) when (e is ReplicationException or HttpRequestException)
            {
                failures.Add($"manifest {repository}@{digest}: {e.Message}");
            }
        }

        return new PeerPruneResult(peer.ToString(), removed, kept, failures);
    }
}
