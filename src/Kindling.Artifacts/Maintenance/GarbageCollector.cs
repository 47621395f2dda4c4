using System.Diagnostics;
using System.Text.Json.Nodes;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;

namespace Kindling.Artifacts.Maintenance;

/// <summary>
/// Online garbage collection of a node's store (docs/storage-layout.md, "Garbage collection"). Mark: every blob
/// reachable from a kept manifest (tagged; with an index its children; a referrer of a kept manifest; every manifest
/// unless <see cref="GcOptions.DeleteUntagged"/>), from a chart link, or from a blob link that is kept (named by a
/// kept manifest of its repository, touched by a push in progress, or younger than the grace). Sweep: blob links,
/// untagged manifests (when asked) and blobs that nothing keeps and whose file is older than the grace. Files are
/// plain files, never blobs, and upload sessions live outside the blob store: neither is touched.
/// <para>
/// Runs inside the serving node (the admin socket) or on a stopped node's folder. It lists the blob files first,
/// without holding anything, then holds the store's <see cref="StoreGate"/> exclusively while it marks (from
/// memory) and sweeps, so no manifest, chart or blob link is made halfway through. Tags are never touched, so the
/// node's content digest does not change.
/// </para>
/// </summary>
public static class GarbageCollector
{
    public static GcReport Collect(NodeStore store, GcOptions options, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var started = Stopwatch.GetTimestamp();
        var cutoff = time.GetUtcNow().UtcDateTime - options.Grace;
        var blobs = store.Blobs;
        var registry = store.Registry;

        // Blob files with their size and age, listed before the gate (the slow part on a large store). A blob
        // committed after this listing is not a candidate, so it cannot be removed by this collection.
        var files = ListBlobFiles(blobs);

        var removed = new Removals();
        int reachableCount, spared;
        long gateTaken;
        using (blobs.Gate.EnterExclusive())
        {
            gateTaken = Stopwatch.GetTimestamp();
            var windowStart = Environment.TickCount64 - (long)options.PushWindow.TotalMilliseconds;
            registry.PrunePending(windowStart);
            var marks = new Marks();
            foreach (var repository in registry.Repositories)
            {
                MarkRepository(marks, repository, registry, options, cutoff, windowStart);
            }

            foreach (var digest in ChartDigests(store))
            {
                marks.Reachable.Add(digest);
            }

            MarkFreshBlobs(blobs, marks.Linked, windowStart);
            reachableCount = files.Count(f => marks.Reachable.Contains(f.Digest));
            var doomed = UnkeptBlobs(files, marks, cutoff, out spared);
            Sweep(store, options, marks, doomed, removed);
        }

        var ended = Stopwatch.GetTimestamp();
        return new GcReport
        {
            DryRun = options.DryRun,
            Grace = options.Grace,
            DeleteUntagged = options.DeleteUntagged,
            BlobsScanned = files.Count,
            BlobsReachable = reachableCount,
            BlobsSpared = spared,
            RemovedBlobs = removed.Blobs,
            RemovedLinks = removed.Links,
            RemovedManifests = removed.Manifests,
            Duration = Stopwatch.GetElapsedTime(started, ended),
            GateHeld = Stopwatch.GetElapsedTime(gateTaken, ended),
        };
    }

    /// <summary>What the mark phase keeps (reachable from a kept manifest or chart; linked and kept) and the sweep's candidates.</summary>
    private sealed class Marks
    {
        public HashSet<Digest> Reachable { get; } = [];

        public HashSet<Digest> Linked { get; } = [];

        public List<(Repository Repository, Digest Digest)> ManifestsToRemove { get; } = [];

        public List<(Repository Repository, Digest Digest)> LinksToRemove { get; } = [];
    }

    /// <summary>What the sweep removed (or, in a dry run, would remove).</summary>
    private sealed class Removals
    {
        public List<(Digest, long)> Blobs { get; } = [];

        public List<string> Links { get; } = [];

        public List<string> Manifests { get; } = [];
    }

    private static List<(Digest Digest, long Size, DateTime Modified)> ListBlobFiles(BlobStore blobs)
    {
        var files = new List<(Digest Digest, long Size, DateTime Modified)>();
        foreach (var folder in new DirectoryInfo(blobs.BlobsDirectory).EnumerateDirectories())
        {
            foreach (var file in folder.EnumerateFiles())
            {
                if (Digest.TryParse(Digest.Algorithm + ":" + file.Name, out var digest, out _) && digest.Value.Hex[..2] == folder.Name)
                {
                    files.Add((digest.Value, file.Length, file.LastWriteTimeUtc));
                }
            }
        }

        return files;
    }

    /// <summary>
    /// Marks a repository: the blobs its kept manifests name are reachable, the others go; its blob links are kept
    /// when named, touched by a push in progress or younger than the grace (all of them when a kept manifest no
    /// longer parses).
    /// </summary>
    private static void MarkRepository(Marks marks, Repository repository, RegistryStore registry, GcOptions options, DateTime cutoff, long windowStart)
    {
        var kept = KeptManifests(repository, registry, options, cutoff, windowStart);
        var named = new HashSet<Digest>();
        var conservative = false;
        foreach (var manifest in repository.Manifests.Values)
        {
            if (!kept.Contains(manifest.Digest))
            {
                marks.ManifestsToRemove.Add((repository, manifest.Digest));
                continue;
            }

            marks.Reachable.Add(manifest.Digest);
            if (manifest.Document is null)
            {
                conservative = true; // a manifest that no longer parses: keep every blob of its repository
                continue;
            }

            foreach (var blob in manifest.Document.Blobs)
            {
                if (!blob.IsExternal)
                {
                    named.Add(blob.Digest);
                    marks.Reachable.Add(blob.Digest);
                }
            }
        }

        foreach (var digest in repository.Blobs.Keys)
        {
            if (conservative || named.Contains(digest) || registry.IsPending(repository.Name, digest, windowStart) || Younger(repository.LayerPath(digest), cutoff))
            {
                marks.Linked.Add(digest);
            }
            else
            {
                marks.LinksToRemove.Add((repository, digest));
            }
        }
    }

    /// <summary>Blobs committed within the push window are kept; older entries leave the fresh list.</summary>
    private static void MarkFreshBlobs(BlobStore blobs, HashSet<Digest> linked, long windowStart)
    {
        foreach (var (digest, at) in blobs.Fresh)
        {
            if (at >= windowStart)
            {
                linked.Add(digest);
            }
            else
            {
                blobs.Fresh.TryRemove(new KeyValuePair<Digest, long>(digest, at));
            }
        }
    }

    /// <summary>The listed blobs nothing keeps and older than the grace; <paramref name="spared"/> counts those only the grace keeps.</summary>
    private static List<(Digest Digest, long Size)> UnkeptBlobs(List<(Digest Digest, long Size, DateTime Modified)> files, Marks marks, DateTime cutoff, out int spared)
    {
        spared = 0;
        var doomed = new List<(Digest Digest, long Size)>();
        foreach (var (digest, size, modified) in files)
        {
            if (marks.Reachable.Contains(digest) || marks.Linked.Contains(digest))
            {
                continue;
            }

            if (modified > cutoff)
            {
                spared++;
                continue;
            }

            doomed.Add((digest, size));
        }

        return doomed;
    }

    /// <summary>
    /// Manifests, then links, then blobs, each kind made durable (one fsync per folder touched, not per file) before
    /// the next begins: a power cut mid-way leaves unreferenced content, never a link naming nothing.
    /// </summary>
    private static void Sweep(NodeStore store, GcOptions options, Marks marks, List<(Digest Digest, long Size)> doomed, Removals removed)
    {
        var registry = store.Registry;
        var blobs = store.Blobs;
        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (repository, digest) in marks.ManifestsToRemove)
        {
            if (options.DryRun || registry.RemoveUntaggedManifest(repository, digest, sync: false))
            {
                removed.Manifests.Add($"{repository.Name}@{digest}");
                touched.Add(repository.RevisionsDirectory);
            }
        }

        Sync(touched, options.DryRun);
        foreach (var (repository, digest) in marks.LinksToRemove)
        {
            if (options.DryRun || registry.RemoveBlobLink(repository, digest, sync: false))
            {
                removed.Links.Add($"{repository.Name}@{digest}");
                touched.Add(repository.LayersDirectory);
            }
        }

        Sync(touched, options.DryRun);
        foreach (var (digest, size) in doomed)
        {
            if (options.DryRun || blobs.Delete(digest, sync: false))
            {
                removed.Blobs.Add((digest, size));
                touched.Add(Path.GetDirectoryName(blobs.PathOf(digest))!);
            }
        }

        Sync(touched, options.DryRun);
    }

    /// <summary>
    /// The manifests of a repository the collection keeps: all of them, unless untagged ones go; then the tagged,
    /// those a push in progress holds or younger than the grace, and, transitively, the children of a kept index
    /// and the referrers (OCI 1.1 <c>subject</c>) of a kept manifest. A manifest that no longer parses is kept.
    /// </summary>
    private static HashSet<Digest> KeptManifests(Repository repository, RegistryStore registry, GcOptions options, DateTime cutoff, long windowStart)
    {
        var all = repository.Manifests.Values.ToList();
        if (!options.DeleteUntagged)
        {
            return [.. all.Select(m => m.Digest)];
        }

        var referrers = all.Where(m => m.Subject is not null).ToLookup(m => m.Subject!.Digest);
        var kept = new HashSet<Digest>();
        var queue = new Queue<Digest>();
        void Keep(Digest digest)
        {
            if (repository.Manifests.ContainsKey(digest.Value) && kept.Add(digest))
            {
                queue.Enqueue(digest);
            }
        }

        foreach (var tagged in repository.Tags.Values)
        {
            Keep(tagged.Digest);
        }

        foreach (var manifest in all)
        {
            if (manifest.Document is null || registry.IsPending(repository.Name, manifest.Digest, windowStart) || Younger(repository.RevisionPath(manifest.Digest), cutoff))
            {
                Keep(manifest.Digest);
            }
        }

        while (queue.TryDequeue(out var digest))
        {
            if (repository.Manifests.TryGetValue(digest.Value, out var manifest) && manifest.Document is { } document)
            {
                foreach (var child in document.Manifests)
                {
                    Keep(child.Digest);
                }
            }

            foreach (var referrer in referrers[digest])
            {
                Keep(referrer.Digest);
            }
        }

        return kept;
    }

    /// <summary>The archives every chart link names: those served, and those on disk the chart store skipped at start.</summary>
    private static IEnumerable<Digest> ChartDigests(NodeStore store)
    {
        foreach (var versions in store.Charts.All().Values)
        {
            foreach (var chart in versions)
            {
                yield return chart.Digest;
            }
        }

        foreach (var file in Directory.EnumerateFiles(store.Charts.Directory, "*.json", SearchOption.AllDirectories))
        {
            Digest? digest = null;
            try
            {
                if (JsonNode.Parse(File.ReadAllBytes(file))?["Digest"]?.GetValue<string>() is { } text && Digest.TryParse(text, out var parsed, out _))
                {
                    digest = parsed;
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // fsck reports a link file that is not JSON; it names nothing to keep.
            }
            catch (InvalidOperationException)
            {
            }

            if (digest is { } found)
            {
                yield return found;
            }
        }
    }

    private static void Sync(HashSet<string> folders, bool dryRun)
    {
        foreach (var folder in dryRun ? [] : folders)
        {
            DurableFile.SyncDirectory(folder);
        }

        folders.Clear();
    }

    /// <summary>True when the file exists and was written after <paramref name="cutoff"/> (within the grace).</summary>
    private static bool Younger(string path, DateTime cutoff)
    {
        var info = new FileInfo(path);
        return info.Exists && info.LastWriteTimeUtc > cutoff;
    }
}
