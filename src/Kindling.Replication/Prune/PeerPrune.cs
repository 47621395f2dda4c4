using Kindling.Artifacts.Content;
using Kindling.Artifacts.Registry;
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

        var run = new Run(http, peer, request);
        if (run.Registry is not null && !request.DryRun)
        {
            await run.Registry.CheckCredentialsAsync(cancellationToken);
        }

        foreach (var (service, part, name, value) in request.Items)
        {
            await run.RemoveItemAsync(service, part, name, value, cancellationToken);
        }

        foreach (var (repository, digest) in request.Manifests)
        {
            if (run.Registry is null || request.DryRun)
            {
                continue;
            }

            await run.RemoveManifestAsync(run.Registry, repository, digest, cancellationToken);
        }

        return new PeerPruneResult(peer.ToString(), run.Removed, run.Kept, run.Failures);
    }

    /// <summary>One prune of the peer: its clients, its content digest entries read once per part, and what happened.</summary>
    private sealed class Run(HttpClient http, NodeEndpoints peer, PeerPruneRequest request)
    {
        private readonly Dictionary<(string, string), IReadOnlyDictionary<string, string>> _entries = [];
        private readonly Dictionary<(string Repository, string Digest), PeerManifest?> _manifests = [];
        private readonly ChartRepositoryClient? _charts = peer.Charts is null ? null : new ChartRepositoryClient(http, peer.Charts, request.Credentials);
        private readonly ObjectStoreClient? _files = peer.Files is null ? null : new ObjectStoreClient(http, peer.Files, request.Credentials);

        public RegistryClient? Registry { get; } = peer.Registry is null ? null : new RegistryClient(http, peer.Registry, request.Credentials);
        public List<string> Removed { get; } = [];
        public List<string> Kept { get; } = [];
        public List<string> Failures { get; } = [];

        /// <summary>Removes one item where the peer holds the value the prune removed; keeps it (and says so) where it holds another.</summary>
        public async Task RemoveItemAsync(string service, string part, string name, string value, CancellationToken cancellationToken)
        {
            var kind = ContentKinds.FromService(service);
            var what = kind switch { ContentKind.Images => $"image {part}:{name}", ContentKind.Charts => $"chart {part} {name}", _ => $"file {part}/{name}" };
            try
            {
                var current = await CurrentAsync(service, part, name, cancellationToken);
                if (current is null)
                {
                    return;
                }

                if (current != value)
                {
                    Kept.Add($"{what}: {current} there, not {value}");
                    return;
                }

                if (!request.DryRun)
                {
                    await (kind switch
                    {
                        ContentKind.Images => Registry?.DeleteManifestAsync(part, name, cancellationToken),
                        ContentKind.Charts => _charts?.DeleteAsync(part, name, cancellationToken),
                        _ => _files?.DeleteAsync(part, name, cancellationToken),
                    } ?? Task.CompletedTask);
                }

                Removed.Add(what);
            }
            catch (Exception e) when (e is ReplicationException or HttpRequestException)
            {
                Failures.Add($"{what}: {e.Message}");
            }
        }

        /// <summary>
        /// Deletes a pruned manifest from the peer, unless it is gone or the peer still keeps it as its own collection
        /// does: a tag there names it (pushed there since), a tagged index reaches it (an image index or manifest
        /// list, through nested indexes too), or it is a referrer (OCI 1.1 <c>subject</c>) of a manifest so kept.
        /// </summary>
        public async Task RemoveManifestAsync(RegistryClient registry, string repository, string digest, CancellationToken cancellationToken)
        {
            try
            {
                var tags = await ContentDigestClient.EntriesAsync(http, peer, RegistryContent.Service, repository, cancellationToken);
                if (tags.Values.Contains(digest, StringComparer.Ordinal))
                {
                    return;
                }

                var candidate = await DocumentAsync(registry, repository, digest, cancellationToken);
                if (candidate is null)
                {
                    return; // gone from the peer
                }

                var kept = await KeptByTagsAsync(registry, repository, tags, cancellationToken);
                var reason = kept.GetValueOrDefault(digest)
                    ?? (candidate.Document?.Subject is { } subject && kept.TryGetValue(subject.Digest.Value, out var why)
                        ? $"a referrer of {subject.Digest}, which is {why}" : null);
                if (reason is not null)
                {
                    Kept.Add($"manifest {repository}@{digest}: {reason} there");
                    return;
                }

                await registry.DeleteManifestAsync(repository, digest, cancellationToken);
                Removed.Add($"manifest {repository}@{digest}");
            }
            catch (Exception e) when (e is ReplicationException or HttpRequestException)
            {
                Failures.Add($"manifest {repository}@{digest}: {e.Message}");
            }
        }

        /// <summary>
        /// The manifests of a repository on the peer its tags keep, with why: the tagged ones and, transitively, the
        /// children of a kept index. A kept index the peer gives but that does not parse makes the prune fail for
        /// this manifest rather than guess: nothing it might name is deleted.
        /// </summary>
        private async Task<Dictionary<string, string>> KeptByTagsAsync(RegistryClient registry, string repository, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
        {
            var kept = new Dictionary<string, string>(StringComparer.Ordinal);
            var queue = new Queue<string>();
            foreach (var (tag, tagged) in tags.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                if (kept.TryAdd(tagged, $"tagged {repository}:{tag}"))
                {
                    queue.Enqueue(tagged);
                }
            }

            while (queue.TryDequeue(out var digest))
            {
                var manifest = await DocumentAsync(registry, repository, digest, cancellationToken);
                if (manifest is null)
                {
                    continue; // deleted there since the tags were read: it keeps nothing
                }

                var document = manifest.Document
                    ?? throw new ReplicationException($"{repository}@{digest} on the peer ({kept[digest]}) does not parse ({manifest.Error}): cannot tell which manifests it keeps, so none was deleted");
                foreach (var child in document.Manifests)
                {
                    if (kept.TryAdd(child.Digest.Value, $"in index {repository}@{digest} ({kept[digest]})"))
                    {
                        queue.Enqueue(child.Digest.Value);
                    }
                }
            }

            return kept;
        }

        /// <summary>A manifest of the peer, parsed when it parses (cached: a digest names one content); null when the peer does not have it.</summary>
        private async Task<PeerManifest?> DocumentAsync(RegistryClient registry, string repository, string digest, CancellationToken cancellationToken)
        {
            if (_manifests.TryGetValue((repository, digest), out var known))
            {
                return known;
            }

            var fetched = await registry.ManifestAsync(repository, digest, cancellationToken);
            PeerManifest? parsed = null;
            if (fetched is not null)
            {
                try
                {
                    parsed = new PeerManifest(ManifestDocument.Parse(fetched.Content, fetched.MediaType), null);
                }
                catch (RegistryException e)
                {
                    parsed = new PeerManifest(null, e.Message);
                }
            }

            _manifests[(repository, digest)] = parsed;
            return parsed;
        }

        private async Task<string?> CurrentAsync(string service, string part, string name, CancellationToken cancellationToken)
        {
            if (!_entries.TryGetValue((service, part), out var known))
            {
                known = await ContentDigestClient.EntriesAsync(http, peer, service, part, cancellationToken);
                _entries[(service, part)] = known;
            }

            return known.GetValueOrDefault(name);
        }
    }
}
