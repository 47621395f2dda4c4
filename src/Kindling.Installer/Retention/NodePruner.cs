using Kindling.Artifacts;
using Kindling.Artifacts.Registry;

namespace Kindling.Installer.Retention;

/// <summary>
/// Applies the retention rule to a node's store: removes the tags, chart versions and files the rule names, then the
/// manifests those tags named (with an index's child manifests) when no remaining tag of the repository reaches them.
/// Blobs stay until garbage collection finds them unreachable. Every removal is a durable link-file delete, so an
/// interrupted prune leaves whole content and completes when run again; the release log forgets pruned releases last.
/// </summary>
public static class NodePruner
{
    public static PruneResult Prune(NodeStore store, ReleaseLog log, int keep, bool dryRun)
    {
        var plan = RetentionRule.Plan(log.Releases, keep, item => store.Content.Entries(item.Service, item.Part).GetValueOrDefault(item.Name));
        var manifests = UnreachableManifests(store.Registry, plan.Remove.Where(i => i.Service == ReleaseItem.Registry).ToList());
        var result = new PruneResult(plan, manifests, dryRun);
        if (dryRun)
        {
            return result;
        }

        foreach (var item in plan.Remove)
        {
            switch (item.Service)
            {
                case ReleaseItem.Registry:
                    store.Registry.DeleteManifest(item.Part, item.Name);
                    break;
                case ReleaseItem.Charts:
                    store.Charts.Delete(item.Part, item.Name);
                    break;
                case ReleaseItem.Files:
                    store.Files.Delete(item.Part, item.Name);
                    break;
            }
        }

        foreach (var (repository, digest) in manifests)
        {
            if (store.Registry.FindManifest(repository, digest) is not null)
            {
                store.Registry.DeleteManifest(repository, digest);
            }
        }

        log.Forget(plan.Pruned.Select(r => r.Version));
        return result;
    }

    /// <summary>The manifests (an index's children included) the removed tags name that no other tag of their repository reaches.</summary>
    internal static IReadOnlyList<(string Repository, string Digest)> UnreachableManifests(RegistryStore registry, IReadOnlyList<ReleaseItem> removedTags)
    {
        var result = new List<(string, string)>();
        foreach (var repository in removedTags.GroupBy(i => i.Part))
        {
            var removed = repository.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
            IReadOnlyList<string> tags;
            try
            {
                tags = registry.ListTags(repository.Key, null, null);
            }
            catch (RegistryException)
            {
                continue;
            }

            var reachable = new HashSet<string>(StringComparer.Ordinal);
            foreach (var tag in tags.Where(t => !removed.Contains(t)))
            {
                Reach(registry, repository.Key, registry.FindManifest(repository.Key, tag), reachable);
            }

            var candidates = new HashSet<string>(StringComparer.Ordinal);
            foreach (var tag in removed)
            {
                Reach(registry, repository.Key, registry.FindManifest(repository.Key, tag), candidates);
            }

            // Parents before children: an interrupted prune leaves an untagged child, never an index naming a missing one.
            result.AddRange(candidates.Where(d => !reachable.Contains(d)).Select(d => (repository.Key, d)));
        }

        return result;
    }

    private static void Reach(RegistryStore registry, string repository, StoredManifest? manifest, HashSet<string> seen)
    {
        if (manifest is null || !seen.Add(manifest.Digest.Value))
        {
            return;
        }

        foreach (var child in manifest.Document?.Manifests ?? [])
        {
            Reach(registry, repository, registry.FindManifest(repository, child.Digest.Value), seen);
        }
    }
}
