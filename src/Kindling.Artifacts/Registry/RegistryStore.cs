using System.Collections.Concurrent;
using System.Text;
using Kindling.Artifacts.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kindling.Artifacts.Registry;

/// <summary>
/// The registry's content (OCI Distribution Specification v1.1): repositories of tags, manifests and blob links
/// over the shared <see cref="BlobStore"/>. Reads come from memory; writes are durable link files
/// (docs/storage-layout.md), ordered so a crash at any moment never leaves a tag naming a missing manifest or a
/// manifest naming a missing blob: blob first, then the revision link, then the tag.
/// </summary>
public sealed partial class RegistryStore
{
    private readonly ConcurrentDictionary<string, Repository> _repositories = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Digest, StoredManifest> _manifests = new();
    private readonly PushProtection _pending = new();
    private readonly ILogger _logger;

    private RegistryStore(BlobStore blobs, string directory, ILogger logger)
    {
        Blobs = blobs;
        Directory = directory;
        _logger = logger;
    }

    public BlobStore Blobs { get; }

    /// <summary><c>DIR/store/registry</c>.</summary>
    public string Directory { get; }

    public int RepositoryCount => _repositories.Count;

    /// <summary>A tag was set to a manifest digest, or removed (null): raised under the repository's write lock, after the change is durable.</summary>
    public event Action<string, string, Digest?>? TagChanged;

    /// <summary>Opens the registry folder beside the blob store, loading every repository into memory.</summary>
    public static RegistryStore Open(BlobStore blobs, ILogger? logger = null)
    {
        var store = new RegistryStore(blobs, Path.Combine(blobs.Root, "registry"), logger ?? NullLogger.Instance);
        System.IO.Directory.CreateDirectory(store.Directory);
        store.Load();
        return store;
    }

    /// <summary>The manifest a tag or digest names in a repository, or null (the hot path: memory only).</summary>
    public StoredManifest? FindManifest(string name, string reference)
    {
        if (!_repositories.TryGetValue(name, out var repository))
        {
            return null;
        }

        return reference.StartsWith(Digest.Algorithm + ":", StringComparison.Ordinal)
            ? repository.Manifests.GetValueOrDefault(reference)
            : repository.Tags.GetValueOrDefault(reference);
    }

    /// <summary>Like <see cref="FindManifest"/>, but says why not: invalid name or reference, unknown repository or manifest.</summary>
    public StoredManifest GetManifest(string name, string reference)
    {
        var found = FindManifest(name, reference);
        if (found is not null)
        {
            return found;
        }

        RepositoryNames.CheckName(name);
        CheckReference(reference);
        throw RepositoryExists(name) ? RegistryException.ManifestUnknown(name, reference) : RegistryException.NameUnknown(name);
    }

    public bool RepositoryExists(string name) => _repositories.TryGetValue(name, out var repository) && !repository.IsEmpty;

    /// <summary>
    /// Resolves a mirror request: containerd sends <c>?ns=registry.k8s.io</c> for <c>pause</c>; the node keeps
    /// the upstream host as first path segment, so <c>registry.k8s.io/pause</c> is tried when <c>pause</c> is unknown.
    /// </summary>
    public string ResolveName(string name, string? upstreamNamespace)
    {
        if (string.IsNullOrEmpty(upstreamNamespace) || _repositories.ContainsKey(name))
        {
            return name;
        }

        var qualified = upstreamNamespace + "/" + name;
        return _repositories.ContainsKey(qualified) ? qualified : name;
    }

    /// <summary>
    /// A client checks a blob before a push (HEAD): its size as <see cref="FindBlob"/> says, and when there, the
    /// blob is protected from collection until a new manifest names it (or the collector's push window passes).
    /// </summary>
    public long? CheckBlob(string name, Digest digest)
    {
        // Under the gate: a collection either ran before the check (and the blob is gone: the client uploads it)
        // or sees it; never a 200 for a blob the same collection then removes.
        using var shared = Blobs.Gate.EnterShared();
        var size = FindBlob(name, digest);
        if (size is not null)
        {
            _pending.Check(name, digest);
        }

        return size;
    }

    /// <summary>The size of a blob linked into the repository, or null when the repository does not hold it (a pull: no protection).</summary>
    public long? FindBlob(string name, Digest digest)
    {
        if (!_repositories.TryGetValue(name, out var repository) || !repository.Blobs.ContainsKey(digest))
        {
            // A manifest is also a blob of its repository (clients may fetch it from /blobs/).
            if (repository is null || !repository.Manifests.ContainsKey(digest.Value))
            {
                return null;
            }
        }

        return Blobs.TryGetSize(digest, out var size) ? size : null;
    }

    /// <summary>Links a stored blob into a repository (after an upload, or a mount).</summary>
    public void LinkBlob(string name, Digest digest)
    {
        var repository = GetOrCreate(name);
        using var shared = Blobs.Gate.EnterShared();
        _pending.Check(name, digest);
        if (repository.Blobs.ContainsKey(digest))
        {
            return;
        }

        lock (repository.WriteLock)
        {
            try
            {
                DurableFile.WriteAllBytes(repository.LayerPath(digest), [], tempDirectory: Blobs.TempDirectory);
            }
            catch (IOException e) when (StorageFullException.IsDiskFull(e))
            {
                throw Blobs.Full($"linking blob {digest} into '{name}'", e);
            }

            repository.Blobs[digest] = 0;
        }
    }

    /// <summary>Cross-repository mount: links the blob when <paramref name="from"/> holds it; false otherwise.</summary>
    public bool Mount(string name, Digest digest, string from)
    {
        using var shared = Blobs.Gate.EnterShared();
        if (!RepositoryNames.IsValidName(from) || FindBlob(from, digest) is null)
        {
            return false;
        }

        LinkBlob(name, digest);
        return true;
    }

    /// <summary>Unlinks a blob from a repository (the content stays in the store for other repositories).</summary>
    public void DeleteBlob(string name, Digest digest)
    {
        RepositoryNames.CheckName(name);
        if (!_repositories.TryGetValue(name, out var repository) || !repository.Blobs.ContainsKey(digest))
        {
            throw RegistryException.BlobUnknown(name, digest.Value);
        }

        lock (repository.WriteLock)
        {
            DurableFile.Delete(repository.LayerPath(digest));
            repository.Blobs.TryRemove(digest, out _);
        }
    }

    /// <summary>Stores a manifest under a tag or its digest, after checking it and the blobs it names.</summary>
    public StoredManifest PutManifest(string name, string reference, byte[] content, string? contentType)
    {
        RepositoryNames.CheckName(name);
        var referenceDigest = CheckReference(reference);
        if (content.Length > ManifestDocument.MaxBytes)
        {
            throw new RegistryException(RegistryErrorCode.SizeInvalid, 413,
                $"manifest of {content.Length} bytes is larger than the {ManifestDocument.MaxBytes / (1024 * 1024)} MiB limit");
        }

        var digest = Digest.Of(content);
        if (referenceDigest is { } expected && expected != digest)
        {
            throw RegistryException.DigestInvalid($"manifest content has digest {digest}, not the {expected} in the URL");
        }

        var document = ManifestDocument.Parse(content, contentType);
        var repository = GetOrCreate(name);
        // From the reference check to the revision link: a collection cannot remove what the manifest names.
        using var shared = Blobs.Gate.EnterShared();
        CheckReferences(repository, document);
        var stored = _manifests.GetOrAdd(digest, d => new StoredManifest(d, document.MediaType, content, document));
        StoreManifestContent(name, reference, content, digest);
        var added = LinkManifest(repository, name, reference, referenceDigest, stored);

        // The push that named these is done: the manifest protects them now. A manifest the repository held already
        // (put again, or under another tag) settles nothing: its client need not have checked anything, and the
        // checks it would take away may be another push's.
        if (added)
        {
            Settle(name, document);
        }

        Blobs.Settle(digest);
        if (referenceDigest is not null)
        {
            // Untagged so far (an index's child, a referrer, or a tag still to come): kept by --delete-untagged for the push window.
            _pending.Check(name, digest);
        }

        return stored;
    }

    /// <summary>The manifest's bytes as a blob, unless stored already; called under the store's gate.</summary>
    private void StoreManifestContent(string name, string reference, byte[] content, Digest digest)
    {
        if (!Blobs.Exists(digest))
        {
            try
            {
                Blobs.Put(content, digest);
            }
            catch (StorageFullException e)
            {
                throw new StorageFullException($"storing manifest {name}:{reference}", e.Directory, e.Early, e.InnerException);
            }
        }
    }

    /// <summary>
    /// Links the manifest into the repository (its revision) and, when the reference is a tag, points the tag at it;
    /// called under the store's gate.
    /// True when the repository did not hold the manifest before.
    /// </summary>
    private bool LinkManifest(Repository repository, string name, string reference, Digest? referenceDigest, StoredManifest stored)
    {
        var digest = stored.Digest;
        var added = false;
        lock (repository.WriteLock)
        {
            try
            {
                if (!repository.Manifests.ContainsKey(digest.Value))
                {
                    DurableFile.WriteAllText(repository.RevisionPath(digest), stored.MediaType, tempDirectory: Blobs.TempDirectory);
                    repository.Manifests[digest.Value] = stored;
                    added = true;
                }

                if (referenceDigest is null)
                {
                    DurableFile.WriteAllText(repository.TagPath(reference), digest.Value, tempDirectory: Blobs.TempDirectory);
                    repository.Tags[reference] = stored;
                    TagChanged?.Invoke(name, reference, digest);
                }
            }
            catch (IOException e) when (StorageFullException.IsDiskFull(e))
            {
                // Link files are written whole or not at all (DurableFile): the tag still names what it named before.
                throw Blobs.Full($"storing manifest {name}:{reference}", e);
            }
        }

        return added;
    }

    /// <summary>Deletes a tag (the manifest stays), or a manifest by digest together with the tags naming it.</summary>
    public void DeleteManifest(string name, string reference)
    {
        var manifest = GetManifest(name, reference);
        var repository = _repositories[name];
        lock (repository.WriteLock)
        {
            if (!reference.StartsWith(Digest.Algorithm + ":", StringComparison.Ordinal))
            {
                DurableFile.Delete(repository.TagPath(reference));
                repository.Tags.TryRemove(reference, out _);
                TagChanged?.Invoke(name, reference, null);
                return;
            }

            // Tags first: a crash in between leaves a manifest without tags, never a tag without its manifest.
            foreach (var (tag, tagged) in repository.Tags)
            {
                if (tagged.Digest == manifest.Digest)
                {
                    DurableFile.Delete(repository.TagPath(tag));
                    repository.Tags.TryRemove(tag, out _);
                    TagChanged?.Invoke(name, tag, null);
                }
            }

            DurableFile.Delete(repository.RevisionPath(manifest.Digest));
            repository.Manifests.TryRemove(manifest.Digest.Value, out _);
        }

        // No protection is cleared: a push in progress may have checked a blob (or pushed a child) this manifest
        // also names, and still rely on it; what the deleted manifest's own push checked was settled by its PUT.
    }

    /// <summary>A new manifest names these: one check of each by a push in progress is settled (see <see cref="PushProtection"/>).</summary>
    private void Settle(string name, ManifestDocument document)
    {
        foreach (var blob in document.Blobs)
        {
            _pending.Settle(name, blob.Digest);
            Blobs.Settle(blob.Digest);
        }

        foreach (var child in document.Manifests)
        {
            _pending.Settle(name, child.Digest);
        }
    }

    private void CheckReferences(Repository repository, ManifestDocument document)
    {
        foreach (var blob in document.Blobs)
        {
            // Non-distributable layers with urls are fetched from elsewhere by design; nothing else may be missing.
            if (!blob.IsExternal && !(repository.Blobs.ContainsKey(blob.Digest) && Blobs.Exists(blob.Digest)))
            {
                throw new RegistryException(RegistryErrorCode.ManifestBlobUnknown, 400,
                    $"manifest names blob {blob.Digest} ({blob.MediaType}), which is not in repository '{repository.Name}': push the blob first"
                    + (blob.HasUrls ? " ('urls' only excuse a missing non-distributable layer)" : ""),
                    new Dictionary<string, string> { ["digest"] = blob.Digest.Value });
            }
        }

        foreach (var child in document.Manifests)
        {
            if (!repository.Manifests.ContainsKey(child.Digest.Value))
            {
                throw new RegistryException(RegistryErrorCode.ManifestBlobUnknown, 400,
                    $"index names manifest {child.Digest}, which is not in repository '{repository.Name}': push the manifest first",
                    new Dictionary<string, string> { ["digest"] = child.Digest.Value });
            }
        }
    }

    /// <summary>Checks a tag or digest reference; returns the digest when it is one.</summary>
    internal static Digest? CheckReference(string reference)
    {
        if (reference.Contains(':', StringComparison.Ordinal))
        {
            return Digest.TryParse(reference, out var digest, out var error) ? digest : throw RegistryException.DigestInvalid(error);
        }

        if (!RepositoryNames.IsValidTag(reference))
        {
            throw new RegistryException(RegistryErrorCode.TagInvalid, 400,
                $"tag '{RepositoryNames.Shorten(reference)}' is invalid: use [a-zA-Z0-9_][a-zA-Z0-9._-], at most 128 characters");
        }

        return null;
    }

    private Repository GetOrCreate(string name)
    {
        RepositoryNames.CheckName(name);
        return _repositories.GetOrAdd(name, n => new Repository(n, Path.Combine(Directory, n.Replace('/', Path.DirectorySeparatorChar))));
    }

    private static string ReadSmallText(string path) => Encoding.UTF8.GetString(File.ReadAllBytes(path)).Trim();
}
