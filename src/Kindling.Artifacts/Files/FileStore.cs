using System.Collections.Concurrent;
using System.Security.Cryptography;
using Kindling.Artifacts.Iso;
using Kindling.Artifacts.Storage;

#pragma warning disable CA5351 // MD5 is the S3 ETag format clients check, not a security measure

namespace Kindling.Artifacts.Files;

/// <summary>An object's size, modification time and ETag (the hex MD5 of its bytes, as S3 gives for single-part objects).</summary>
public sealed record FileObject(string Bucket, string Key, string Path, long Size, DateTimeOffset LastModified)
{
    public string? Md5 { get; init; }

    /// <summary>Where the bytes start in <see cref="Path"/>: 0 for a plain file, the extent for a file inside an ISO.</summary>
    public long Offset { get; init; }
}

/// <summary>
/// The file store behind the MinIO/S3-compatible API: each bucket a folder under <c>store/files/</c>, each object
/// a plain file at its key (written by temp + fsync + rename), so offline-package trees are served as they lie.
/// MD5 ETags are computed on first use and cached by path, size and modification time.
/// </summary>
public sealed class FileStore
{
    /// <summary>The bucket DCE's clusters download from anonymously.</summary>
    public const string PublicBucket = "kubean";

    private readonly ConcurrentDictionary<string, (long Size, DateTime Modified, string Md5)> _md5 = new(StringComparer.Ordinal);
    private readonly BlobStore _blobs;
    private readonly List<IsoMount> _mounts = [];

    private FileStore(BlobStore blobs, string directory)
    {
        _blobs = blobs;
        Directory = directory;
    }

    /// <summary><c>DIR/store/files</c>.</summary>
    public string Directory { get; }

    /// <summary>The store's blob store (its temporary folder and free-space guard).</summary>
    internal BlobStore Blobs => _blobs;

    /// <summary>S3 multipart uploads in progress (<c>DIR/store/multipart</c>).</summary>
    public MultipartUploads Multipart { get; private set; } = null!;

    /// <summary>An object was stored (with its MD5) or deleted (null) through this store, after the change is durable.</summary>
    public event Action<string, string, string?>? ObjectChanged;

    public static FileStore Open(BlobStore blobs, TimeProvider? time = null)
    {
        var store = new FileStore(blobs, System.IO.Path.Combine(blobs.Root, "files"));
        System.IO.Directory.CreateDirectory(System.IO.Path.Combine(store.Directory, PublicBucket));
        store.Multipart = new MultipartUploads(store, System.IO.Path.Combine(blobs.Root, "multipart"), time);
        return store;
    }

    public IReadOnlyList<(string Name, DateTime Created)> Buckets() =>
        new DirectoryInfo(Directory).EnumerateDirectories().Where(d => ObjectKeys.IsValidBucket(d.Name))
            .OrderBy(d => d.Name, StringComparer.Ordinal).Select(d => (d.Name, d.CreationTimeUtc)).ToList();

    /// <summary>ISO images served read-only inside bucket kubean (see <see cref="IsoMount"/>).</summary>
    public IReadOnlyList<IsoMount> Mounts => _mounts;

    /// <summary>Problems found while mounting ISO images (reported by /healthz).</summary>
    public List<string> Problems { get; } = [];

    public void Mount(IsoMount mount)
    {
        if (_mounts.Any(m => m.Prefix == mount.Prefix))
        {
            throw new IsoFormatException($"{mount.Image.Path}: {mount.Prefix} is already served from another ISO");
        }

        _mounts.Add(mount);
    }

    public bool BucketExists(string bucket) => ObjectKeys.IsValidBucket(bucket) && System.IO.Directory.Exists(BucketPath(bucket));

    public void CreateBucket(string bucket) => System.IO.Directory.CreateDirectory(BucketPath(bucket));

    /// <summary>The object, or null. The key must have passed <see cref="ObjectKeys.Problem"/>.</summary>
    public FileObject? Find(string bucket, string key)
    {
        if (bucket == PublicBucket && FindInIso(key) is { } inIso)
        {
            return inIso;
        }

        var path = PathOf(bucket, key);
        var info = new FileInfo(path);
        return info.Exists && !key.EndsWith('/') ? new FileObject(bucket, key, path, info.Length, info.LastWriteTimeUtc) : null;
    }

    /// <summary>The object's MD5 (hex), computed once per content version.</summary>
    public string Md5Of(FileObject file)
    {
        var modified = File.GetLastWriteTimeUtc(file.Path);
        var cacheKey = file.Offset == 0 ? file.Path : $"{file.Path}@{file.Offset}";
        if (_md5.TryGetValue(cacheKey, out var known) && known.Size == file.Size && known.Modified == modified)
        {
            return known.Md5;
        }

        using var stream = File.OpenRead(file.Path);
        string md5;
        if (file.Offset == 0 && file.Size == stream.Length)
        {
            md5 = Convert.ToHexStringLower(MD5.HashData(stream));
        }
        else
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            var buffer = new byte[256 * 1024];
            stream.Position = file.Offset;
            for (long left = file.Size; left > 0;)
            {
                var read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (read == 0)
                {
                    throw new IOException($"{file.Path} ends before byte {file.Offset + file.Size}");
                }

                hash.AppendData(buffer, 0, read);
                left -= read;
            }

            md5 = Convert.ToHexStringLower(hash.GetHashAndReset());
        }

        _md5[cacheKey] = (file.Size, modified, md5);
        return md5;
    }

    private FileObject? FindInIso(string key)
    {
        foreach (var mount in _mounts)
        {
            if (key.StartsWith(mount.Prefix + "/", StringComparison.Ordinal)
                && mount.Image.Find(key[(mount.Prefix.Length + 1)..]) is { IsDirectory: false } entry)
            {
                return new FileObject(PublicBucket, key, mount.Image.Path, entry.Size, entry.Modified) { Offset = entry.Offset };
            }
        }

        return null;
    }

    /// <summary>
    /// Objects in key order after <paramref name="after"/> whose key starts with <paramref name="prefix"/>, walking
    /// only the folder the prefix points into.
    /// </summary>
    public IEnumerable<FileObject> Enumerate(string bucket, string prefix, string? after)
    {
        var onDisk = EnumerateDisk(bucket, prefix, after);
        if (bucket != PublicBucket || _mounts.Count == 0)
        {
            return onDisk;
        }

        var inIsos = _mounts.SelectMany(m => m.Image.Files().Select(f => new FileObject(PublicBucket, m.Prefix + "/" + f.Path, m.Image.Path, f.Entry.Size, f.Entry.Modified) { Offset = f.Entry.Offset }))
            .Where(f => f.Key.StartsWith(prefix, StringComparison.Ordinal) && (after is null || string.CompareOrdinal(f.Key, after) > 0));
        return onDisk.Concat(inIsos).OrderBy(f => f.Key, StringComparer.Ordinal);
    }

    private IEnumerable<FileObject> EnumerateDisk(string bucket, string prefix, string? after)
    {
        var root = BucketPath(bucket);
        var slash = prefix.LastIndexOf('/');
        var start = slash >= 0 ? System.IO.Path.Combine(root, prefix[..slash]) : root;
        if (!System.IO.Directory.Exists(start) || ObjectKeys.Problem(prefix.Length == 0 ? "x" : prefix + "x") is not null)
        {
            return [];
        }

        return new DirectoryInfo(start).EnumerateFiles("*", SearchOption.AllDirectories)
            .Select(f => new FileObject(bucket, System.IO.Path.GetRelativePath(root, f.FullName).Replace(System.IO.Path.DirectorySeparatorChar, '/'), f.FullName, f.Length, f.LastWriteTimeUtc))
            .Where(f => f.Key.StartsWith(prefix, StringComparison.Ordinal) && (after is null || string.CompareOrdinal(f.Key, after) > 0))
            .OrderBy(f => f.Key, StringComparer.Ordinal);
    }

    /// <summary>
    /// Stores an object from <paramref name="content"/>: written to a temporary file, checked against
    /// <paramref name="expectedSha256"/> when the client signed the payload, fsynced, renamed over the key.
    /// </summary>
    public async Task<FileObject> PutAsync(string bucket, string key, Stream content, string? expectedSha256, CancellationToken cancellationToken)
    {
        var target = PathOf(bucket, key);
        var temp = DurableFile.TempPath(_blobs.TempDirectory, "object");
        try
        {
            long size;
            string hash;
            try
            {
                (size, hash) = await WriteCheckedAsync(content, temp, expectedSha256, "nothing stored", cancellationToken);
                DurableFile.MoveIntoPlace(temp, target);
            }
            catch (IOException e) when (StorageFullException.IsDiskFull(e))
            {
                DurableFile.TryDelete(temp);
                throw _blobs.Full($"storing object {bucket}/{key}", e);
            }

            var info = new FileInfo(target);
            _md5[target] = (info.Length, info.LastWriteTimeUtc, hash);
            ObjectChanged?.Invoke(bucket, key, hash);
            return new FileObject(bucket, key, target, size, info.LastWriteTimeUtc) { Md5 = hash };
        }
        finally
        {
            DurableFile.TryDelete(temp);
        }
    }

    /// <summary>
    /// Writes <paramref name="content"/> to the new file <paramref name="path"/>, fsynced, and returns its size and MD5
    /// (hex); when <paramref name="expectedSha256"/> is given (a signed payload) and differs, throws
    /// <see cref="InvalidDataException"/> ending with <paramref name="consequence"/>. The caller renames or deletes the file.
    /// </summary>
    internal static async Task<(long Size, string Md5)> WriteCheckedAsync(Stream content, string path, string? expectedSha256, string consequence, CancellationToken cancellationToken)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0))
        {
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(256 * 1024);
            try
            {
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    md5.AppendData(buffer, 0, read);
                    sha.AppendData(buffer, 0, read);
                    size += read;
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }

            file.Flush(flushToDisk: true);
        }

        var actual = Convert.ToHexStringLower(sha.GetHashAndReset());
        if (expectedSha256 is not null && !string.Equals(actual, expectedSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"the body's sha256 is {actual}, not the {expectedSha256} the request was signed with; {consequence}");
        }

        return (size, Convert.ToHexStringLower(md5.GetHashAndReset()));
    }

    public bool Delete(string bucket, string key)
    {
        var deleted = DurableFile.Delete(PathOf(bucket, key));
        if (deleted)
        {
            ObjectChanged?.Invoke(bucket, key, null);
        }

        return deleted;
    }

    private string BucketPath(string bucket) => System.IO.Path.Combine(Directory, bucket);

    /// <summary>The file of a checked key; a last guard refuses any path that resolves outside the bucket.</summary>
    private string PathOf(string bucket, string key)
    {
        var root = BucketPath(bucket);
        var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, key));
        return path.StartsWith(root + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? path
            : throw new UnauthorizedAccessException($"key '{key}' resolves outside bucket '{bucket}'");
    }
}
