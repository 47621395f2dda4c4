using System.Collections.Concurrent;
using Kindling.Artifacts.Content;

namespace Kindling.Replication.Sync;

/// <summary>
/// One entry of a node's content as the content digest names it: a tag of a repository, a version of a chart, a
/// key of a bucket (<see cref="Kindling.Artifacts.Content.ContentDigest"/>: service, part, entry).
/// </summary>
public readonly record struct ContentItem(ContentKind Kind, string Part, string Entry)
{
    public string Service => Kind.Service();
}

/// <summary>One change a sync made (or, in a dry run, would make): the item, its value before and after (content digests, or ETags for files).</summary>
public sealed record SyncChange(ContentItem Item, SyncAction Action, string Name, string? From, string? To)
{
    public ContentKind Kind => Item.Kind;
}

public enum SyncAction
{
    /// <summary>New on the target.</summary>
    Add,

    /// <summary>Replaced on the target (a tag moved, a chart re-uploaded, a file changed).</summary>
    Update,

    /// <summary>Removed from the target (only with --delete).</summary>
    Delete,
}

/// <summary>An item that could not be copied, and why; the rest of the run goes on.</summary>
public sealed record SyncFailure(ContentKind Kind, string Name, string Reason);

/// <summary>
/// Counters of one kind of content, updated from many parallel copies without locks and read by the progress
/// display while the run goes on.
/// </summary>
public sealed class KindTally(ContentKind kind)
{
    private long _items;
    private long _itemsUpToDate;
    private long _itemsDeleted;
    private long _itemsFailed;
    private long _objectsCopied;
    private long _bytesCopied;
    private long _objectsMounted;
    private long _objectsPresent;
    private long _partsUnchanged;
    private long _itemsPlanned;

    public ContentKind Kind { get; } = kind;

    /// <summary>Tags, chart versions or files copied (added or updated).</summary>
    public long Items => Interlocked.Read(ref _items);
    public long ItemsUpToDate => Interlocked.Read(ref _itemsUpToDate);
    public long ItemsDeleted => Interlocked.Read(ref _itemsDeleted);
    public long ItemsFailed => Interlocked.Read(ref _itemsFailed);

    /// <summary>Items found to need a copy (the progress display's total).</summary>
    public long ItemsPlanned => Interlocked.Read(ref _itemsPlanned);

    /// <summary>Blobs, manifests, archives or objects whose bytes were transferred.</summary>
    public long ObjectsCopied => Interlocked.Read(ref _objectsCopied);
    public long BytesCopied => Interlocked.Read(ref _bytesCopied);

    /// <summary>Blobs linked on the target from another repository (cross-repository mount), no bytes sent.</summary>
    public long ObjectsMounted => Interlocked.Read(ref _objectsMounted);

    /// <summary>Blobs and manifests the target already had.</summary>
    public long ObjectsPresent => Interlocked.Read(ref _objectsPresent);

    /// <summary>Parts (repositories, charts, buckets) skipped whole because their content digests matched.</summary>
    public long PartsUnchanged => Interlocked.Read(ref _partsUnchanged);

    internal void ItemCopied() => Interlocked.Increment(ref _items);
    internal void ItemUpToDate() => Interlocked.Increment(ref _itemsUpToDate);
    internal void ItemDeleted() => Interlocked.Increment(ref _itemsDeleted);
    internal void ItemFailed() => Interlocked.Increment(ref _itemsFailed);
    internal void ItemPlanned() => Interlocked.Increment(ref _itemsPlanned);
    internal void ObjectPresent() => Interlocked.Increment(ref _objectsPresent);
    internal void ObjectMounted() => Interlocked.Increment(ref _objectsMounted);
    internal void PartsSkipped(long count) => Interlocked.Add(ref _partsUnchanged, count);

    internal void ObjectCopied(long bytes)
    {
        Interlocked.Increment(ref _objectsCopied);
        Interlocked.Add(ref _bytesCopied, bytes);
    }
}

/// <summary>Everything a run counts, the changes it made and the failures it met.</summary>
public sealed class SyncTally
{
    private readonly ConcurrentQueue<SyncChange> _changes = new();
    private readonly ConcurrentQueue<SyncFailure> _failures = new();

    public KindTally Images { get; } = new(ContentKind.Images);
    public KindTally Charts { get; } = new(ContentKind.Charts);
    public KindTally Files { get; } = new(ContentKind.Files);

    public IEnumerable<KindTally> All => [Images, Charts, Files];

    public IReadOnlyList<SyncChange> Changes => [.. _changes];

    public IReadOnlyList<SyncFailure> Failures => [.. _failures];

    public long BytesCopied => All.Sum(k => k.BytesCopied);

    public KindTally For(ContentKind kind) => kind switch
    {
        ContentKind.Images => Images,
        ContentKind.Charts => Charts,
        _ => Files,
    };

    internal void Change(SyncChange change) => _changes.Enqueue(change);

    internal void Fail(ContentKind kind, string name, string reason)
    {
        For(kind).ItemFailed();
        _failures.Enqueue(new SyncFailure(kind, name, reason));
    }
}
