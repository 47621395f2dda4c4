using System.Collections.Concurrent;
using Kindling.Artifacts.Content;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;
using Kindling.Replication.Sync;
using Kindling.Replication.Transfer;

namespace Kindling.Replication.Registry;

/// <summary>
/// Copies images from one registry to another by digest: catalog, then each repository's tags on both sides,
/// then per tag the source manifest against the target's digest (one GET and one HEAD); only what differs is
/// copied, its blobs first (skipped when the target has them, mounted from another target repository when it
/// holds them, otherwise streamed and digest-checked), the manifests after, the tag last, so the target never
/// names content it lacks. A blob shared by many images crosses the network once. Failures are per tag.
/// </summary>
internal sealed class ImageSync(RegistryClient source, RegistryClient target, SyncOptions options, SyncTally tally) : IDisposable
{
    private readonly KindTally _tally = tally.Images;
    private readonly SemaphoreSlim _transfers = new(Math.Max(1, options.Parallel));

    /// <summary>Where on the target each blob is known to be (a repository), or is being copied to.</summary>
    private readonly ConcurrentDictionary<Digest, Task<string>> _homes = new();

    /// <summary>Blobs already ensured in a target repository during this run.</summary>
    private readonly ConcurrentDictionary<(string Repository, Digest Digest), Lazy<Task>> _ensured = new();

    private sealed record Listing(string Repository, IReadOnlyList<string> SourceTags, IReadOnlySet<string> TargetTags);

    private sealed record TagCopy(string Repository, string Tag, FetchedManifest Manifest, Digest? Old);

    /// <summary>Runs the sync; <paramref name="unchanged"/> are repositories known equal on both sides (matching content digests).</summary>
    public async Task RunAsync(IReadOnlySet<string> unchanged, CancellationToken cancellationToken)
    {
        var sourceCatalog = source.CatalogAsync(cancellationToken);
        var targetCatalog = options.Delete ? target.CatalogAsync(cancellationToken) : Task.FromResult<IReadOnlyList<string>>([]);
        var sourceRepositories = await sourceCatalog;
        var targetRepositories = await targetCatalog;
        var scope = options.PartsOf(ContentKind.Images);
        var repositories = sourceRepositories.Where(r => !unchanged.Contains(r) && (scope is null || scope.Contains(r))).ToList();
        _tally.PartsSkipped(sourceRepositories.Count - repositories.Count);

        var listings = new ConcurrentBag<Listing>();
        await ForEachAsync(repositories, r => r, async (repository, token) =>
        {
            var sourceTags = source.TagsAsync(repository, token);
            var targetTags = target.TagsAsync(repository, token);
            listings.Add(new Listing(repository, await sourceTags, (await targetTags).ToHashSet(StringComparer.Ordinal)));
        }, cancellationToken);

        var copies = new ConcurrentBag<TagCopy>();
        var pairs = listings.SelectMany(l => l.SourceTags.Where(t => options.Includes(ContentKind.Images, l.Repository, t))
            .Select(t => (l.Repository, Tag: t, OnTarget: l.TargetTags.Contains(t))));
        await ForEachAsync(pairs, p => $"{p.Repository}:{p.Tag}", async (pair, token) =>
        {
            var manifestTask = source.ManifestAsync(pair.Repository, pair.Tag, token);
            var oldTask = pair.OnTarget ? target.ManifestDigestAsync(pair.Repository, pair.Tag, token) : Task.FromResult<Digest?>(null);
            var manifest = await manifestTask;
            var old = await oldTask;
            if (manifest is null)
            {
                return; // removed from the source while listing
            }

            if (old == manifest.Digest || (old is not null && options.AddOnly))
            {
                _tally.ItemUpToDate();
                RegisterHomes(pair.Repository, manifest);
                return;
            }

            _tally.ItemPlanned();
            copies.Add(new TagCopy(pair.Repository, pair.Tag, manifest, old));
        }, cancellationToken);

        // Repositories the target already has first: their blobs found there can then be mounted into new ones.
        var existing = listings.Where(l => l.TargetTags.Count > 0).Select(l => l.Repository).ToHashSet(StringComparer.Ordinal);
        foreach (var phase in copies.GroupBy(c => existing.Contains(c.Repository)).OrderByDescending(g => g.Key))
        {
            await ForEachAsync(phase.OrderBy(c => c.Repository, StringComparer.Ordinal).ThenBy(c => c.Tag, StringComparer.Ordinal),
                c => $"{c.Repository}:{c.Tag}", CopyTagAsync, cancellationToken);
        }

        if (options.Delete)
        {
            await DeleteAsync(listings, sourceRepositories, targetRepositories, cancellationToken);
        }
    }

    private async Task CopyTagAsync(TagCopy copy, CancellationToken cancellationToken)
    {
        await EnsureTreeAsync(copy.Repository, copy.Manifest, cancellationToken);
        if (!options.DryRun)
        {
            await target.PutManifestAsync(copy.Repository, copy.Tag, copy.Manifest, cancellationToken);
        }

        _tally.ObjectCopied(copy.Manifest.Content.Length);
        _tally.ItemCopied();
        tally.Change(new SyncChange(new ContentItem(ContentKind.Images, copy.Repository, copy.Tag), copy.Old is null ? SyncAction.Add : SyncAction.Update, $"{copy.Repository}:{copy.Tag}",
            copy.Old?.Value, copy.Manifest.Digest.Value));
    }

    /// <summary>Makes sure everything <paramref name="manifest"/> references is in the target repository (not the manifest itself).</summary>
    private async Task EnsureTreeAsync(string repository, FetchedManifest manifest, CancellationToken cancellationToken)
    {
        ManifestDocument document;
        try
        {
            document = manifest.Parse();
        }
        catch (RegistryException e)
        {
            throw new ReplicationException($"{source.BaseUrl}v2/{repository}/manifests/{manifest.Digest}: the source's manifest is not valid: {e.Message}");
        }

        if (document.IsIndex)
        {
            await Task.WhenAll(document.Manifests.Select(child => EnsureChildAsync(repository, child, cancellationToken)));
        }
        else
        {
            await Task.WhenAll(document.Blobs.Where(b => !b.IsExternal).Select(blob => EnsureBlobAsync(repository, blob, cancellationToken)));
        }
    }

    private async Task EnsureChildAsync(string repository, Descriptor child, CancellationToken cancellationToken)
    {
        if (await target.ManifestDigestAsync(repository, child.Digest.Value, cancellationToken) is not null)
        {
            _tally.ObjectPresent();
            return;
        }

        var manifest = await source.ManifestAsync(repository, child.Digest.Value, cancellationToken)
            ?? throw new ReplicationException($"{source.BaseUrl}v2/{repository}: an index names manifest {child.Digest}, which the source does not have");
        await EnsureTreeAsync(repository, manifest, cancellationToken);
        if (!options.DryRun)
        {
            await target.PutManifestAsync(repository, child.Digest.Value, manifest, cancellationToken);
        }

        _tally.ObjectCopied(manifest.Content.Length);
    }

    private Task EnsureBlobAsync(string repository, Descriptor blob, CancellationToken cancellationToken) =>
        _ensured.GetOrAdd((repository, blob.Digest), _ => new Lazy<Task>(() => EnsureBlobCoreAsync(repository, blob, cancellationToken))).Value;

    private async Task EnsureBlobCoreAsync(string repository, Descriptor blob, CancellationToken cancellationToken)
    {
        if (_homes.TryGetValue(blob.Digest, out var known))
        {
            var home = await known;
            if (home == repository || await MountAsync(repository, blob.Digest, home, cancellationToken))
            {
                return;
            }
        }

        if (await target.BlobExistsAsync(repository, blob.Digest, cancellationToken))
        {
            _tally.ObjectPresent();
            _homes.TryAdd(blob.Digest, Task.FromResult(repository));
            return;
        }

        var copying = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var winner = _homes.GetOrAdd(blob.Digest, copying.Task);
        if (winner == copying.Task)
        {
            try
            {
                await CopyBlobAsync(repository, blob, cancellationToken);
                copying.SetResult(repository);
                return;
            }
            catch (Exception e)
            {
                // Every image sharing this blob fails with the same reason, without fetching it again.
                copying.SetException(e);
                _ = copying.Task.Exception;
                throw;
            }
        }

        var holder = await winner;
        if (holder == repository || await MountAsync(repository, blob.Digest, holder, cancellationToken))
        {
            return;
        }

        await CopyBlobAsync(repository, blob, cancellationToken);
    }

    private async Task<bool> MountAsync(string repository, Digest digest, string from, CancellationToken cancellationToken)
    {
        if (options.DryRun || await target.MountAsync(repository, digest, from, cancellationToken))
        {
            _tally.ObjectMounted();
            return true;
        }

        return false;
    }

    private async Task CopyBlobAsync(string repository, Descriptor blob, CancellationToken cancellationToken)
    {
        if (options.DryRun)
        {
            _tally.ObjectCopied(blob.Size);
            return;
        }

        await _transfers.WaitAsync(cancellationToken);
        try
        {
            await TransferRetry.RunAsync(async token =>
            {
                await using var content = await source.OpenBlobAsync(repository, blob.Digest, blob.Size, token);
                await target.UploadBlobAsync(repository, blob.Digest, content, blob.Size, token);
            }, cancellationToken);
            _tally.ObjectCopied(blob.Size);
        }
        finally
        {
            _transfers.Release();
        }
    }

    /// <summary>Records where the target holds an image's blobs (its tag is up to date there), so new images sharing them mount.</summary>
    private void RegisterHomes(string repository, FetchedManifest manifest)
    {
        try
        {
            var document = manifest.Parse();
            foreach (var blob in document.Blobs)
            {
                _homes.TryAdd(blob.Digest, Task.FromResult(repository));
            }
        }
        catch (RegistryException)
        {
            // Not needed for correctness: only a mount opportunity is lost.
        }
    }

    private async Task DeleteAsync(IEnumerable<Listing> listings, IReadOnlyList<string> sourceRepositories, IReadOnlyList<string> targetRepositories,
        CancellationToken cancellationToken)
    {
        var deletions = new List<(string Repository, string Tag)>();
        foreach (var listing in listings)
        {
            var sourceTags = listing.SourceTags.ToHashSet(StringComparer.Ordinal);
            deletions.AddRange(listing.TargetTags.Where(t => !sourceTags.Contains(t)).Select(t => (listing.Repository, t)));
        }

        var known = sourceRepositories.ToHashSet(StringComparer.Ordinal);
        var gone = new ConcurrentBag<(string, string)>();
        await ForEachAsync(targetRepositories.Where(r => !known.Contains(r)), r => r, async (repository, token) =>
        {
            foreach (var tag in await target.TagsAsync(repository, token))
            {
                gone.Add((repository, tag));
            }
        }, cancellationToken);
        deletions.AddRange(gone);

        await ForEachAsync(deletions, d => $"{d.Repository}:{d.Tag}", async (deletion, token) =>
        {
            var digest = await target.ManifestDigestAsync(deletion.Repository, deletion.Tag, token);
            if (!options.DryRun)
            {
                await target.DeleteManifestAsync(deletion.Repository, deletion.Tag, token);
            }

            _tally.ItemDeleted();
            tally.Change(new SyncChange(new ContentItem(ContentKind.Images, deletion.Repository, deletion.Tag), SyncAction.Delete, $"{deletion.Repository}:{deletion.Tag}", digest?.Value, null));
        }, cancellationToken);
    }

    private Task ForEachAsync<T>(IEnumerable<T> items, Func<T, string> name, Func<T, CancellationToken, Task> body, CancellationToken cancellationToken) =>
        SyncWork.ForEachAsync(items, ContentKind.Images, name, body, options, tally, cancellationToken);

    public void Dispose() => _transfers.Dispose();
}
