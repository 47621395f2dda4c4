using System.Security.Cryptography;
using Kindling.Artifacts.Storage;

#pragma warning disable CA5351 // MD5 is the S3 ETag format clients check, not a security measure

namespace Kindling.Artifacts.Files;

/// <summary>A part of a multipart upload as the client names it in CompleteMultipartUpload.</summary>
public readonly record struct PartReference(int Number, string ETag);

/// <summary>A multipart upload request the store refuses; <see cref="Code"/> is the S3 error code.</summary>
public sealed class MultipartException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>
/// S3 multipart uploads (what <c>aws s3 cp</c> and rclone use above 8 MiB / 5 MiB): each upload a folder
/// <c>store/multipart/ID/</c> holding <c>target</c> (bucket and key) and its parts (<c>NNNNN.MD5</c>, each written
/// to a temporary file, fsynced and renamed). Completing streams the named parts, in order, through
/// <see cref="FileStore.PutAsync"/> (temp + fsync + rename), so the object appears whole or not at all; then the
/// folder is removed. Uploads neither completed nor aborted are removed after their expiry, and their number is
/// capped (<see cref="MultipartLimits"/>).
/// <para>
/// Clients send parts in parallel (aws s3 cp: 10 at once), so an upload can be removed (aborted, completed, or
/// dropped when a part meets a full disk) while other parts of it are still being written. The store counts the
/// requests working in each upload: a removal takes the <c>target</c> file and the finished parts at once (no new
/// request finds the upload, the space is free), and the last request still working in it removes the folder.
/// </para>
/// </summary>
public sealed class MultipartUploads
{
    /// <summary>S3's smallest part size, except for the last part.</summary>
    public const long MinimumPartSize = 5L * 1024 * 1024;

    /// <summary>S3's largest part number.</summary>
    public const int MaximumPartNumber = 10_000;

    public static readonly TimeSpan Expiry = new MultipartLimits().Expiry;

    private readonly FileStore _files;
    private readonly TimeProvider _time;
    private readonly Lock _creating = new();

    /// <summary>Uploads with requests working in them, by upload ID; guarded by itself.</summary>
    private readonly Dictionary<string, Activity> _active = new(StringComparer.Ordinal);

    public MultipartUploads(FileStore files, string directory, TimeProvider? time = null)
    {
        _files = files;
        _time = time ?? TimeProvider.System;
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        Prune();
    }

    /// <summary><c>DIR/store/multipart</c>.</summary>
    public string Directory { get; }

    /// <summary>Caps on uploads; <c>kindling node serve</c> sets them from its options.</summary>
    public MultipartLimits Limits { get; set; } = new();

    /// <summary>CreateMultipartUpload: a new upload ID for the object; SlowDown when <see cref="MultipartLimits.MaxOpen"/> are in progress.</summary>
    public string Create(string bucket, string key)
    {
        lock (_creating)
        {
            var open = Prune();
            if (open >= Limits.MaxOpen)
            {
                throw new MultipartException("SlowDown",
                    $"the node has {open} multipart uploads in progress, its limit: complete or abort (DELETE ?uploadId=) some first; uploads without parts are dropped after {Limits.EmptyExpiry.TotalMinutes:0} min");
            }

            return CreateFolder(bucket, key);
        }
    }

    /// <summary>Removes expired uploads (no part for <see cref="MultipartLimits.EmptyExpiry"/>, or untouched for <see cref="MultipartLimits.Expiry"/>); returns how many remain.</summary>
    private int Prune()
    {
        var now = _time.GetUtcNow().UtcDateTime; // compared with the folders' mtimes (LastWriteTimeUtc)
        var open = 0;
        foreach (var folder in new DirectoryInfo(Directory).EnumerateDirectories())
        {
            if (IsActive(folder.Name))
            {
                open++;
                continue;
            }

            bool empty;
            try
            {
                folder.Refresh();
                empty = !Parts(folder.FullName).Any();
            }
            catch (DirectoryNotFoundException)
            {
                continue; // completed or aborted since the listing
            }

            var age = now - folder.LastWriteTimeUtc;
            if (age > Limits.Expiry || (empty && age > Limits.EmptyExpiry))
            {
                lock (_active)
                {
                    if (!_active.ContainsKey(folder.Name))
                    {
                        DeleteFolder(folder.FullName); // under the lock: no request enters it meanwhile
                        continue;
                    }
                }
            }

            open++;
        }

        return open;
    }

    private string CreateFolder(string bucket, string key)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var folder = Path.Combine(Directory, id);
        try
        {
            System.IO.Directory.CreateDirectory(folder);
            AtomicWrite(Path.Combine(folder, "target"), bucket + "\n" + key);
        }
        catch (IOException e) when (StorageFullException.IsDiskFull(e))
        {
            DeleteFolder(folder);
            throw _files.Blobs.Full($"starting a multipart upload of {bucket}/{key}", e);
        }

        return id;
    }

    /// <summary>UploadPart: stores part <paramref name="number"/> (replacing an earlier one) and returns its MD5 (the part's ETag).</summary>
    public async Task<(string Md5, long Size)> PutPartAsync(string bucket, string key, string uploadId, int number, Stream content, string? expectedSha256, CancellationToken cancellationToken)
    {
        if (number is < 1 or > MaximumPartNumber)
        {
            throw new MultipartException("InvalidArgument", $"partNumber {number}: must be from 1 to {MaximumPartNumber}");
        }

        var folder = Enter(bucket, key, uploadId);
        var temp = Path.Combine(folder, $".part-{number}-{Guid.NewGuid():N}.tmp");
        try
        {
            var (size, hash) = await FileStore.WriteCheckedAsync(content, temp, expectedSha256, "part not stored", cancellationToken);
            if (IsRemoved(uploadId))
            {
                throw NoSuchUpload(bucket, key, uploadId);
            }

            foreach (var earlier in Parts(folder).Where(p => p.Number == number))
            {
                File.Delete(earlier.Path);
            }

            DurableFile.MoveIntoPlace(temp, Path.Combine(folder, $"{number:D5}.{hash}"));
            return (hash, size);
        }
        catch (IOException e) when (StorageFullException.IsDiskFull(e))
        {
            // The parts already received would hold the space until the upload expires: the whole upload goes now
            // (aws s3 cp and rclone abort it on a failed part anyway).
            DurableFile.TryDelete(temp);
            Remove(uploadId, folder);
            throw _files.Blobs.Full($"part {number} of multipart upload {uploadId} of {bucket}/{key} (upload removed; start a new one)", e);
        }
        finally
        {
            DurableFile.TryDelete(temp);
            Leave(uploadId, folder);
        }
    }

    /// <summary>
    /// CompleteMultipartUpload: checks that the named parts exist with those ETags, in ascending order, each but the
    /// last at least 5 MiB; then stores their concatenation as the object and removes the upload.
    /// </summary>
    /// <returns>The object, and the multipart ETag S3 gives for it (<c>MD5-of-the-part-MD5s-N</c>), which clients such as rclone check.</returns>
    public async Task<(FileObject Object, string MultipartETag)> CompleteAsync(string bucket, string key, string uploadId, IReadOnlyList<PartReference> parts, CancellationToken cancellationToken)
    {
        if (parts.Count == 0)
        {
            throw new MultipartException("MalformedXML", "CompleteMultipartUpload names no part");
        }

        var folder = Enter(bucket, key, uploadId);
        try
        {
            return await CompleteAsync(bucket, key, uploadId, folder, parts, cancellationToken);
        }
        finally
        {
            Leave(uploadId, folder);
        }
    }

    private async Task<(FileObject Object, string MultipartETag)> CompleteAsync(string bucket, string key, string uploadId, string folder, IReadOnlyList<PartReference> parts, CancellationToken cancellationToken)
    {
        var stored = Parts(folder).ToDictionary(p => p.Number);
        var chosen = new List<string>(parts.Count);
        for (var i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            if (i > 0 && part.Number <= parts[i - 1].Number)
            {
                throw new MultipartException("InvalidPartOrder", $"part {part.Number} follows part {parts[i - 1].Number}: list the parts in ascending order");
            }

            if (!stored.TryGetValue(part.Number, out var found) || !string.Equals(found.Md5, part.ETag.Trim('"'), StringComparison.OrdinalIgnoreCase))
            {
                throw new MultipartException("InvalidPart", found.Path is null
                    ? $"part {part.Number} was not uploaded"
                    : $"part {part.Number} has ETag \"{found.Md5}\", not {part.ETag}");
            }

            chosen.Add(found.Path);
        }

        for (var i = 0; i < chosen.Count - 1; i++)
        {
            var size = new FileInfo(chosen[i]).Length;
            if (size < MinimumPartSize)
            {
                throw new MultipartException("EntityTooSmall", $"part {parts[i].Number} is {size} bytes; every part but the last must be at least 5 MiB");
            }
        }

        FileObject result;
        try
        {
            await using var concatenated = new ConcatenatedFiles(chosen);
            result = await _files.PutAsync(bucket, key, concatenated, null, cancellationToken);
        }
        catch (StorageFullException e)
        {
            // The object needs as much room again as its parts: with none left, the parts go too, so the space is free
            // for the retry (the object's temporary file is already gone; the key holds what it held before).
            Remove(uploadId, folder);
            throw new StorageFullException($"completing multipart upload {uploadId} of {bucket}/{key} (upload removed; upload the object again)", e.Directory, e.Early, e.InnerException);
        }

        Remove(uploadId, folder);
        var partDigests = parts.SelectMany(p => Convert.FromHexString(p.ETag.Trim('"'))).ToArray();
        return (result, $"{Convert.ToHexStringLower(MD5.HashData(partDigests))}-{parts.Count}");
    }

    /// <summary>AbortMultipartUpload: removes the upload and its parts (a part still arriving fails with NoSuchUpload).</summary>
    public void Abort(string bucket, string key, string uploadId)
    {
        var folder = Enter(bucket, key, uploadId);
        try
        {
            Remove(uploadId, folder);
        }
        finally
        {
            Leave(uploadId, folder);
        }
    }

    /// <summary>Finds the upload and counts the calling request as working in it; pair with <see cref="Leave"/>.</summary>
    private string Enter(string bucket, string key, string uploadId)
    {
        lock (_active)
        {
            var folder = Find(bucket, key, uploadId);
            if (_active.TryGetValue(uploadId, out var activity))
            {
                if (activity.Removed)
                {
                    throw NoSuchUpload(bucket, key, uploadId);
                }

                activity.Requests++;
            }
            else
            {
                _active[uploadId] = new Activity { Requests = 1 };
            }

            return folder;
        }
    }

    /// <summary>The request is done with the upload; the last one out of a removed upload removes its folder.</summary>
    private void Leave(string uploadId, string folder)
    {
        bool removed;
        lock (_active)
        {
            var activity = _active[uploadId];
            if (--activity.Requests > 0)
            {
                return;
            }

            _active.Remove(uploadId);
            removed = activity.Removed;
        }

        if (removed)
        {
            DeleteFolder(folder);
        }
    }

    /// <summary>
    /// Removes an upload the calling request has entered: its target (so no request finds it any more) and its
    /// finished parts now; the folder, with parts other requests are still writing, when the last of them leaves.
    /// </summary>
    private void Remove(string uploadId, string folder)
    {
        lock (_active)
        {
            _active[uploadId].Removed = true;
            DurableFile.TryDelete(Path.Combine(folder, "target"));
        }

        foreach (var part in Parts(folder))
        {
            DurableFile.TryDelete(part.Path);
        }
    }

    private bool IsRemoved(string uploadId)
    {
        lock (_active)
        {
            return _active.TryGetValue(uploadId, out var activity) && activity.Removed;
        }
    }

    private bool IsActive(string uploadId)
    {
        lock (_active)
        {
            return _active.ContainsKey(uploadId);
        }
    }

    private static void DeleteFolder(string folder)
    {
        try
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private static MultipartException NoSuchUpload(string bucket, string key, string uploadId) =>
        new("NoSuchUpload", $"upload '{uploadId}' of {bucket}/{key} does not exist (completed, aborted or expired)");

    /// <summary>Requests working in one upload, and whether it was removed meanwhile.</summary>
    private sealed class Activity
    {
        public int Requests { get; set; }

        public bool Removed { get; set; }
    }

    private string Find(string bucket, string key, string uploadId)
    {
        var folder = uploadId.Length == 32 && uploadId.All(char.IsAsciiHexDigitLower) ? Path.Combine(Directory, uploadId) : null;
        var target = folder is null ? null : Path.Combine(folder, "target");
        string? owner;
        try
        {
            owner = target is null ? null : File.ReadAllText(target);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            owner = null;
        }

        if (owner != bucket + "\n" + key)
        {
            throw NoSuchUpload(bucket, key, uploadId);
        }

        return folder!;
    }

    private static IEnumerable<(int Number, string Md5, string Path)> Parts(string folder)
    {
        foreach (var file in System.IO.Directory.EnumerateFiles(folder))
        {
            var name = Path.GetFileName(file);
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            if (dot == 5 && int.TryParse(name.AsSpan(0, 5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
            {
                yield return (number, name[(dot + 1)..], file);
            }
        }
    }

    private static void AtomicWrite(string path, string text) => DurableFile.WriteAllText(path, text);

    /// <summary>The parts read one after the other as one stream.</summary>
    private sealed class ConcatenatedFiles(IReadOnlyList<string> paths) : ReadOnlyStream
    {
        private int _next;
        private FileStream? _current;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (OpenNext() is { } current)
            {
                var read = await current.ReadAsync(buffer, cancellationToken);
                if (read > 0)
                {
                    return read;
                }

                await current.DisposeAsync();
                _current = null;
            }

            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            while (OpenNext() is { } current)
            {
                var read = current.Read(buffer, offset, count);
                if (read > 0)
                {
                    return read;
                }

                current.Dispose();
                _current = null;
            }

            return 0;
        }

        /// <summary>The part being read, or the next one opened; null after the last.</summary>
        private FileStream? OpenNext()
        {
            if (_current is null && _next < paths.Count)
            {
                _current = new FileStream(paths[_next++], FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan);
            }

            return _current;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _current?.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            if (_current is not null)
            {
                await _current.DisposeAsync();
            }

            await base.DisposeAsync();
        }
    }
}
