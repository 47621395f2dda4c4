using System.Collections.Concurrent;
using Kindling.Artifacts.Storage;

namespace Kindling.Artifacts.Registry;

/// <summary>
/// One repository: its tags, the manifests and blobs linked into it. The in-memory maps answer reads (no file is
/// opened to serve a manifest); each change is first made durable on disk as a small link file written by
/// temp + fsync + rename, then applied to the maps, under the repository's write lock.
/// </summary>
internal sealed class Repository(string name, string directory)
{
    public string Name { get; } = name;

    /// <summary><c>registry/&lt;name&gt;</c>: holds <c>_manifests/tags</c>, <c>_manifests/revisions/sha256</c>, <c>_layers/sha256</c>.</summary>
    public string Directory { get; } = directory;

    public ConcurrentDictionary<string, StoredManifest> Tags { get; } = new(StringComparer.Ordinal);

    /// <summary>Manifests by digest text (<c>sha256:...</c>), so a GET by digest needs no parsing.</summary>
    public ConcurrentDictionary<string, StoredManifest> Manifests { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<Digest, byte> Blobs { get; } = new();

    public Lock WriteLock { get; } = new();

    public bool IsEmpty => Manifests.IsEmpty && Blobs.IsEmpty && Tags.IsEmpty;

    public string TagsDirectory => Path.Combine(Directory, "_manifests", "tags");

    public string TagPath(string tag) => Path.Combine(TagsDirectory, tag);

    public string RevisionsDirectory => Path.Combine(Directory, "_manifests", "revisions", Digest.Algorithm);

    public string RevisionPath(Digest digest) => Path.Combine(RevisionsDirectory, digest.Hex);

    public string LayersDirectory => Path.Combine(Directory, "_layers", Digest.Algorithm);

    public string LayerPath(Digest digest) => Path.Combine(LayersDirectory, digest.Hex);
}
