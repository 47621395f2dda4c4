using System.Collections.Concurrent;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;

namespace Kindling.Installer.Import;

/// <summary>Where an importer reads blobs from (an OCI image layout's <c>blobs/sha256</c>).</summary>
internal interface IBlobSource
{
    /// <summary>Opens a blob for reading; throws <see cref="InstallerException"/> naming the file when it is missing.</summary>
    Stream Open(Digest digest);

    /// <summary>The file a blob comes from, for messages.</summary>
    string Describe(Digest digest);
}

/// <summary>An OCI image layout folder as a blob source.</summary>
internal sealed class OciLayoutBlobs(string layoutDirectory) : IBlobSource
{
    public string PathOf(Digest digest) => Path.Combine(layoutDirectory, "blobs", Digest.Algorithm, digest.Hex);

    public string Describe(Digest digest) => PathOf(digest);

    public Stream Open(Digest digest)
    {
        try
        {
            return new FileStream(PathOf(digest), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            throw new InstallerException($"{PathOf(digest)}: missing; the package's image layout names blob {digest} but does not hold it");
        }
    }
}

/// <summary>One image to import: repository and tag (null: by digest only), and the manifest (or index) it names.</summary>
internal sealed record ImageEntry(string Repository, string? Tag, Digest Manifest, string MediaType);

/// <summary>What an import did, by count and bytes.</summary>
internal sealed record ImportReport(int ImagesAdded, int ImagesChanged, int ImagesUnchanged, int BlobsAdded, int BlobsPresent, long BytesAdded)
{
    public override string ToString() =>
        $"{ImagesAdded} image(s) added, {ImagesChanged} changed, {ImagesUnchanged} unchanged; {BlobsAdded} blob(s) copied ({BytesAdded / (1024.0 * 1024):0.0} MiB), {BlobsPresent} already present";
}

/// <summary>
/// Imports images into the node's registry store straight from files: every blob digest-checked on the way in
/// (the store refuses a mismatch and keeps nothing of it), blobs shared between images copied once, blobs the
/// store already holds never read again, and the tag written last, so an interrupted import leaves no tag naming
/// anything incomplete and a rerun completes it.
/// </summary>
internal sealed class ImageImporter(RegistryStore registry, int parallelism = 4)
{
    private readonly ConcurrentDictionary<Digest, Task<bool>> _copies = new();
    private int _blobsAdded;
    private int _blobsPresent;
    private long _bytesAdded;

    /// <summary>Called with the size of each blob as it is copied (for a progress bar).</summary>
    public Action<long>? BytesCopied { get; init; }

    public async Task<ImportReport> ImportAsync(IReadOnlyList<ImageEntry> images, IBlobSource source, CancellationToken cancellationToken)
    {
        var added = 0;
        var changed = 0;
        var unchanged = 0;
        using var gate = new SemaphoreSlim(parallelism);
        await Parallel.ForEachAsync(images, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (image, token) =>
        {
            var tag = image.Tag ?? image.Manifest.Value;
            var current = registry.FindManifest(image.Repository, tag);
            if (current?.Digest == image.Manifest)
            {
                Interlocked.Increment(ref unchanged);
                return;
            }

            await ImportManifestAsync(image.Repository, image.Manifest, image.MediaType, source, gate, token);
            var content = await ReadVerifiedAsync(source, image.Manifest, token);
            Put(image.Repository, tag, content, image.MediaType, source, image.Manifest);
            Interlocked.Increment(ref current is null ? ref added : ref changed);
        });

        return new ImportReport(added, changed, unchanged, _blobsAdded, _blobsPresent, _bytesAdded);
    }

    /// <summary>Imports what a manifest needs (its blobs; for an index, each child manifest first), then the manifest by digest.</summary>
    private async Task ImportManifestAsync(string repository, Digest digest, string mediaType, IBlobSource source, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        var content = await ReadVerifiedAsync(source, digest, cancellationToken);
        ManifestDocument document;
        try
        {
            document = ManifestDocument.Parse(content, mediaType);
        }
        catch (RegistryException e)
        {
            throw new InstallerException($"{source.Describe(digest)}: not a valid image manifest or index: {e.Message}");
        }

        foreach (var child in document.Manifests)
        {
            await ImportManifestAsync(repository, child.Digest, child.MediaType, source, gate, cancellationToken);
        }

        await Task.WhenAll(document.Blobs.Select(blob => CopyBlobAsync(repository, blob.Digest, source, gate, cancellationToken)));
        if (registry.FindManifest(repository, digest.Value) is null)
        {
            Put(repository, digest.Value, content, document.MediaType, source, digest);
        }
    }

    private async Task CopyBlobAsync(string repository, Digest digest, IBlobSource source, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        // One copy per digest even when several images (or parallel tasks) need the same layer.
        await _copies.GetOrAdd(digest, d => Task.Run(async () =>
        {
            if (registry.Blobs.Exists(d))
            {
                Interlocked.Increment(ref _blobsPresent);
                return false;
            }

            await gate.WaitAsync(cancellationToken);
            try
            {
                await using var stream = source.Open(d);
                try
                {
                    await registry.Blobs.PutAsync(stream, d, cancellationToken);
                }
                catch (DigestMismatchException e)
                {
                    throw new InstallerException($"{source.Describe(d)}: content has digest {e.Actual}, not {d}: the package is corrupt (nothing of this blob was kept)");
                }
                catch (StorageFullException e)
                {
                    // No tag was written for an image still missing blobs: nothing partial is listed; a rerun after
                    // freeing space copies only what is still missing.
                    throw new InstallerException($"importing {source.Describe(d)} ({repository}): {e.Message}");
                }

                Interlocked.Increment(ref _blobsAdded);
                var size = stream.Length;
                Interlocked.Add(ref _bytesAdded, size);
                BytesCopied?.Invoke(size);
                return true;
            }
            finally
            {
                gate.Release();
            }
        }, cancellationToken));
        registry.LinkBlob(repository, digest);
    }

    private void Put(string repository, string reference, byte[] content, string mediaType, IBlobSource source, Digest digest)
    {
        try
        {
            registry.PutManifest(repository, reference, content, mediaType);
        }
        catch (RegistryException e)
        {
            throw new InstallerException($"{source.Describe(digest)} ({repository}:{reference}): refused by the registry: {e.Message}");
        }
        catch (StorageFullException e)
        {
            throw new InstallerException($"importing {source.Describe(digest)} ({repository}:{reference}): {e.Message}");
        }
    }

    private static async Task<byte[]> ReadVerifiedAsync(IBlobSource source, Digest digest, CancellationToken cancellationToken)
    {
        await using var stream = source.Open(digest);
        if (stream.Length > ManifestDocument.MaxBytes)
        {
            throw new InstallerException($"{source.Describe(digest)}: {stream.Length} bytes is too large for a manifest");
        }

        var content = new byte[stream.Length];
        await stream.ReadExactlyAsync(content, cancellationToken);
        var actual = Digest.Of(content);
        return actual == digest
            ? content
            : throw new InstallerException($"{source.Describe(digest)}: content has digest {actual}, not {digest}: the package is corrupt");
    }
}
