using Kindling.Artifacts.Content;
using Kindling.Replication.Sync;
using Kindling.Replication.Transfer;

namespace Kindling.Replication.Files;

/// <summary>
/// Copies objects whose ETag differs (or that are missing) on the target, bucket by bucket, streamed through an
/// MD5 check; buckets whose content digests match on both nodes are not listed. With --delete, objects the
/// source does not have are removed, only in buckets the source lists (a bucket the source hides from an
/// anonymous reader is never emptied).
/// </summary>
internal sealed class FileSync(ObjectStoreClient source, ObjectStoreClient target, SyncOptions options, SyncTally tally)
{
    private readonly KindTally _tally = tally.Files;

    private sealed record Copy(string Bucket, StoredObject Item, StoredObject? Old);

    public async Task RunAsync(IReadOnlySet<string> unchanged, CancellationToken cancellationToken)
    {
        var sourceBuckets = source.BucketsAsync(cancellationToken);
        var targetBuckets = target.BucketsAsync(cancellationToken);
        var buckets = await sourceBuckets;
        var existing = (await targetBuckets).ToHashSet(StringComparer.Ordinal);
        _tally.PartsSkipped(buckets.Count(unchanged.Contains));

        var scope = options.PartsOf(ContentKind.Files);
        foreach (var bucket in buckets.Where(b => !unchanged.Contains(b) && (scope is null || scope.Contains(b))))
        {
            var sourceList = source.ListAsync(bucket, cancellationToken);
            var targetList = existing.Contains(bucket) ? target.ListAsync(bucket, cancellationToken) : Task.FromResult<IReadOnlyList<StoredObject>>([]);
            var objects = await sourceList;
            var present = (await targetList).ToDictionary(o => o.Key, StringComparer.Ordinal);
            if (!existing.Contains(bucket) && !options.DryRun)
            {
                await target.CreateBucketAsync(bucket, cancellationToken);
            }

            var copies = new List<Copy>();
            foreach (var item in objects.Where(o => options.Includes(ContentKind.Files, bucket, o.Key)))
            {
                var old = present.GetValueOrDefault(item.Key);
                if (old is not null && ((old.ETag == item.ETag && old.Size == item.Size) || options.AddOnly))
                {
                    _tally.ItemUpToDate();
                    continue;
                }

                _tally.ItemPlanned();
                copies.Add(new Copy(bucket, item, old));
            }

            await SyncWork.ForEachAsync(copies, ContentKind.Files, c => $"{c.Bucket}/{c.Item.Key}", CopyAsync, options, tally, cancellationToken);

            if (options.Delete)
            {
                var keys = objects.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
                var deletions = present.Values.Where(o => !keys.Contains(o.Key)).ToList();
                await SyncWork.ForEachAsync(deletions, ContentKind.Files, d => $"{bucket}/{d.Key}", async (item, token) =>
                {
                    if (!options.DryRun)
                    {
                        await target.DeleteAsync(bucket, item.Key, token);
                    }

                    _tally.ItemDeleted();
                    tally.Change(new SyncChange(new ContentItem(ContentKind.Files, bucket, item.Key), SyncAction.Delete, $"{bucket}/{item.Key}", item.ETag, null));
                }, options, tally, cancellationToken);
            }
        }
    }

    private async Task CopyAsync(Copy copy, CancellationToken cancellationToken)
    {
        if (!options.DryRun)
        {
            await TransferRetry.RunAsync(async token =>
            {
                await using var content = await source.OpenAsync(copy.Bucket, copy.Item, token);
                await target.PutAsync(copy.Bucket, copy.Item.Key, content, copy.Item.Size, token);
            }, cancellationToken);
        }

        _tally.ObjectCopied(copy.Item.Size);
        _tally.ItemCopied();
        tally.Change(new SyncChange(new ContentItem(ContentKind.Files, copy.Bucket, copy.Item.Key), copy.Old is null ? SyncAction.Add : SyncAction.Update, $"{copy.Bucket}/{copy.Item.Key}",
            copy.Old?.ETag, copy.Item.ETag));
    }
}
