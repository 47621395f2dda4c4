using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kindling.Artifacts.Storage;

/// <summary>
/// The content-addressed blob store shared by every repository (layers, configs, manifests, charts): one file per
/// sha256 digest under <c>blobs/sha256/&lt;2 hex&gt;/&lt;64 hex&gt;</c> (see docs/storage-layout.md). A blob is written
/// to <c>tmp/</c>, its digest checked, fsynced and renamed into place, so a reader never sees a partial blob and a
/// crash leaves only temporary files, which <see cref="Open"/> deletes.
/// </summary>
public sealed class BlobStore
{
    private readonly ILogger _logger;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Digest, long> _fresh = new();
    private long _totalBytes;
    private long _count;

    private BlobStore(string root, ILogger logger)
    {
        Root = root;
        BlobsDirectory = Path.Combine(root, "blobs", Digest.Algorithm);
        TempDirectory = Path.Combine(root, "tmp");
        Space = new StorageSpace(root);
        _logger = logger;
    }

    /// <summary>The store folder (<c>DIR/store</c>).</summary>
    public string Root { get; }

    public string BlobsDirectory { get; }

    /// <summary>Temporary files (same file system as the blobs, so renames are atomic); emptied at start.</summary>
    public string TempDirectory { get; }

    /// <summary>Bytes held in blobs (the <c>store size</c> metric).</summary>
    public long TotalBytes => Interlocked.Read(ref _totalBytes);

    public long Count => Interlocked.Read(ref _count);

    /// <summary>Writers hold it shared while they add a reference; garbage collection holds it exclusively.</summary>
    public StoreGate Gate { get; } = new();

    /// <summary>The free-space guard of the store's file system (thresholds set by <c>kindling node serve</c>).</summary>
    public StorageSpace Space { get; }

    /// <summary>
    /// The exception for a write that met a full file system (<paramref name="e"/> is ENOSPC/EDQUOT): a
    /// <see cref="StorageFullException"/> naming <paramref name="what"/> and the store; any other exception unchanged.
    /// The caller has removed what it wrote.
    /// </summary>
    public Exception Full(string what, Exception e) =>
        e is StorageFullException || !StorageFullException.IsDiskFull(e) ? e : new StorageFullException(what, Root, early: false, e);

    /// <summary>
    /// Opens (creating if needed) the store at <paramref name="root"/>, removing temporary files a crash left —
    /// unless <paramref name="cleanTemporaryFiles"/> is false: a second process (the installer importing while the
    /// node serves) must not delete the server's writes in progress.
    /// </summary>
    public static BlobStore Open(string root, ILogger? logger = null, bool cleanTemporaryFiles = true)
    {
        var store = new BlobStore(Path.GetFullPath(root), logger ?? NullLogger.Instance);
        Directory.CreateDirectory(store.BlobsDirectory);
        Directory.CreateDirectory(store.TempDirectory);
        var removed = 0;
        foreach (var temp in cleanTemporaryFiles ? Directory.EnumerateFileSystemEntries(store.TempDirectory) : [])
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
            else
            {
                File.Delete(temp);
            }

            removed++;
        }

        if (removed > 0)
        {
            store._logger.LogWarning("blob store {Root}: removed {Count} temporary file(s) left by an interrupted write", store.Root, removed);
        }

        foreach (var file in new DirectoryInfo(store.BlobsDirectory).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            store._totalBytes += file.Length;
            store._count++;
        }

        return store;
    }

    /// <summary>Where the blob lives (whether or not it exists).</summary>
    public string PathOf(Digest digest) => Path.Combine(BlobsDirectory, digest.Hex[..2], digest.Hex);

    public bool Exists(Digest digest) => File.Exists(PathOf(digest));

    public bool TryGetSize(Digest digest, out long size)
    {
        var info = new FileInfo(PathOf(digest));
        if (info.Exists)
        {
            size = info.Length;
            return true;
        }

        size = 0;
        return false;
    }

    public FileStream OpenRead(Digest digest) =>
        new(PathOf(digest), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, FileOptions.SequentialScan);

    public byte[] ReadAllBytes(Digest digest) => File.ReadAllBytes(PathOf(digest));

    /// <summary>A writer on a fresh temporary file; commit it with <see cref="Commit"/>.</summary>
    public BlobWriter CreateWriter() => BlobWriter.Create(DurableFile.TempPath(TempDirectory, "blob"));

    /// <summary>Stores <paramref name="content"/> whole (manifests, small blobs); returns its digest.</summary>
    public Digest Put(ReadOnlySpan<byte> content, Digest? expected = null)
    {
        var what = $"storing a blob of {content.Length} bytes";
        try
        {
            using var writer = CreateWriter();
            try
            {
                writer.Write(content);
            }
            catch
            {
                writer.Dispose();
                DurableFile.TryDelete(writer.Path);
                throw;
            }

            return Commit(writer, expected);
        }
        catch (IOException e) when (StorageFullException.IsDiskFull(e))
        {
            throw Full(what, e);
        }
    }

    /// <summary>Copies a stream into the store, checking <paramref name="expected"/> when given.</summary>
    public async Task<Digest> PutAsync(Stream content, Digest? expected, CancellationToken cancellationToken)
    {
        try
        {
            return await CopyInAsync(content, expected, cancellationToken);
        }
        catch (IOException e) when (StorageFullException.IsDiskFull(e))
        {
            throw Full(expected is { } d ? $"storing blob {d}" : "storing a blob", e);
        }
    }

    private async Task<Digest> CopyInAsync(Stream content, Digest? expected, CancellationToken cancellationToken)
    {
        using var writer = CreateWriter();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(256 * 1024);
        try
        {
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        catch
        {
            writer.Dispose();
            DurableFile.TryDelete(writer.Path);
            throw;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        return Commit(writer, expected);
    }

    /// <summary>
    /// Checks the written content against <paramref name="expected"/>, fsyncs it and renames it into place. On a
    /// mismatch nothing is stored and <see cref="DigestMismatchException"/> is thrown. The writer's file is gone after.
    /// </summary>
    public Digest Commit(BlobWriter writer, Digest? expected)
    {
        var actual = writer.Finish();
        using var shared = Gate.EnterShared();
        try
        {
            if (expected is { } want && want != actual)
            {
                throw new DigestMismatchException(want, actual, writer.Length);
            }

            var target = PathOf(actual);
            // Until a manifest or chart names it, a fresh blob is protected from collection (see Fresh).
            _fresh[actual] = Environment.TickCount64;
            if (File.Exists(target))
            {
                // Same digest, same content: keep the existing file (readers may have it open).
                return actual;
            }

            DurableFile.MoveIntoPlace(writer.Path, target);
            Interlocked.Add(ref _totalBytes, writer.Length);
            Interlocked.Increment(ref _count);
            return actual;
        }
        finally
        {
            DurableFile.TryDelete(writer.Path);
        }
    }

    /// <summary>
    /// Blobs committed by this process that no manifest or chart has named yet, with when (<see cref="Environment.TickCount64"/>):
    /// a push between its blob uploads and its manifest. Garbage collection keeps them for its push window.
    /// </summary>
    internal System.Collections.Concurrent.ConcurrentDictionary<Digest, long> Fresh => _fresh;

    /// <summary>A manifest or chart now names the blob (or its image was deleted): it needs no fresh-push protection.</summary>
    internal void Settle(Digest digest) => _fresh.TryRemove(digest, out _);

    /// <summary>
    /// Removes a blob from the store (garbage collection); false when it was not there. Without <paramref name="sync"/>
    /// its folder is not fsynced: the caller syncs the folders once after many deletions.
    /// </summary>
    public bool Delete(Digest digest, bool sync = true)
    {
        var path = PathOf(digest);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return false;
        }

        var length = info.Length;
        if (sync ? !DurableFile.Delete(path) : !TryDeleteFile(path))
        {
            return false;
        }

        Interlocked.Add(ref _totalBytes, -length);
        Interlocked.Decrement(ref _count);
        return true;
    }

    /// <summary>
    /// Moves a damaged blob out of the store into <paramref name="quarantineDirectory"/> (fsck --repair: kept for
    /// inspection, never silently deleted); returns where it went, or null when it was not there.
    /// </summary>
    public string? Quarantine(Digest digest, string quarantineDirectory)
    {
        var path = PathOf(digest);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return null;
        }

        Directory.CreateDirectory(quarantineDirectory);
        var target = Path.Combine(quarantineDirectory, digest.Hex);
        for (var n = 1; File.Exists(target); n++)
        {
            target = Path.Combine(quarantineDirectory, $"{digest.Hex}.{n}");
        }

        File.Move(path, target);
        DurableFile.SyncDirectory(Path.GetDirectoryName(path)!);
        Interlocked.Add(ref _totalBytes, -info.Length);
        Interlocked.Decrement(ref _count);
        return target;
    }

    private static bool TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Every stored digest (for verification and replication).</summary>
    public IEnumerable<Digest> Enumerate()
    {
        foreach (var file in Directory.EnumerateFiles(BlobsDirectory, "*", SearchOption.AllDirectories))
        {
            if (Digest.TryParse(Digest.Algorithm + ":" + Path.GetFileName(file), out var digest, out _))
            {
                yield return digest.Value;
            }
        }
    }

    /// <summary>Re-hashes a stored blob: true when its content still matches its name.</summary>
    public bool Verify(Digest digest)
    {
        using var stream = OpenRead(digest);
        return Digest.FromHash(System.Security.Cryptography.SHA256.HashData(stream)) == digest;
    }
}

/// <summary>Content did not hash to the digest the client gave; nothing was stored.</summary>
public sealed class DigestMismatchException(Digest expected, Digest actual, long length)
    : Exception($"content of {length} bytes has digest {actual}, not the {expected} given")
{
    public Digest Expected { get; } = expected;
    public Digest Actual { get; } = actual;
}
