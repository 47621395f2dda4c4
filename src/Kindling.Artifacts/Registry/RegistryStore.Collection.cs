using Kindling.Artifacts.Storage;

namespace Kindling.Artifacts.Registry;

/// <summary>What garbage collection and fsck need from the registry: its repositories and the removals they make.</summary>
public sealed partial class RegistryStore
{
    /// <summary>The repositories as they are now (a snapshot of the map; each repository's maps stay live).</summary>
    internal IReadOnlyList<Repository> Repositories => [.. _repositories.Values];

    /// <summary>
    /// True when a push in progress relies on the blob link or untagged manifest: a client checked, uploaded or mounted
    /// the blob, or pushed the manifest by digest, at or after <paramref name="sinceTicks"/> and no new manifest has
    /// settled that since (see <see cref="PushProtection"/>).
    /// </summary>
    internal bool IsPending(string repository, Digest digest, long sinceTicks) => _pending.IsPending(repository, digest, sinceTicks);

    /// <summary>Forgets pending entries older than <paramref name="sinceTicks"/> (they no longer protect anything).</summary>
    internal void PrunePending(long sinceTicks) => _pending.Prune(sinceTicks);

    /// <summary>
    /// Removes a blob link that no kept manifest of the repository names (the blob itself is the caller's). Without
    /// <paramref name="sync"/> the folder is not fsynced: the caller syncs <see cref="Repository.LayersDirectory"/> once for many.
    /// </summary>
    internal bool RemoveBlobLink(Repository repository, Digest digest, bool sync = true)
    {
        lock (repository.WriteLock)
        {
            if (!repository.Blobs.TryRemove(digest, out _))
            {
                return false;
            }

            Delete(repository.LayerPath(digest), sync);
            _pending.Forget(repository.Name, digest);
            return true;
        }
    }

    /// <summary>Removes an untagged manifest's revision link; false (and nothing removed) when a tag names it by now.</summary>
    internal bool RemoveUntaggedManifest(Repository repository, Digest digest, bool sync = true)
    {
        lock (repository.WriteLock)
        {
            if (repository.Tags.Values.Any(t => t.Digest == digest) || !repository.Manifests.ContainsKey(digest.Value))
            {
                return false;
            }

            Delete(repository.RevisionPath(digest), sync);
            repository.Manifests.TryRemove(digest.Value, out _);
        }

        ForgetIfUnused(digest);
        return true;
    }

    private static void Delete(string path, bool sync)
    {
        if (sync)
        {
            DurableFile.Delete(path);
        }
        else
        {
            File.Delete(path);
        }
    }

    /// <summary>Drops a manifest from the shared in-memory cache once no repository holds it.</summary>
    internal void ForgetIfUnused(Digest digest)
    {
        if (!_repositories.Values.Any(r => r.Manifests.ContainsKey(digest.Value)))
        {
            _manifests.TryRemove(digest, out _);
        }
    }

    /// <summary>The repository named <paramref name="name"/>, opened in memory if needed (fsck walks the folders on disk).</summary>
    internal Repository RepositoryFor(string name) => GetOrCreate(name);

    /// <summary>
    /// Removes a manifest from a repository whatever memory holds (fsck --repair): the tags naming it first (read
    /// from disk, so a tag the start skipped goes too), then its revision link. The next replication round from the
    /// peer then sees the tags missing and copies the image again.
    /// </summary>
    internal IReadOnlyList<string> RemoveManifestLinks(Repository repository, Digest digest)
    {
        var removed = new List<string>();
        lock (repository.WriteLock)
        {
            if (System.IO.Directory.Exists(repository.TagsDirectory))
            {
                foreach (var tagFile in System.IO.Directory.EnumerateFiles(repository.TagsDirectory))
                {
                    if (ReadSmallText(tagFile) == digest.Value)
                    {
                        var tag = Path.GetFileName(tagFile);
                        DurableFile.Delete(tagFile);
                        removed.Add($"{repository.Name}:{tag}");
                        if (repository.Tags.TryRemove(tag, out _))
                        {
                            TagChanged?.Invoke(repository.Name, tag, null);
                        }
                    }
                }
            }

            if (DurableFile.Delete(repository.RevisionPath(digest)))
            {
                removed.Add($"{repository.Name}@{digest}");
            }

            repository.Manifests.TryRemove(digest.Value, out _);
        }

        ForgetIfUnused(digest);
        return removed;
    }

    /// <summary>Removes a tag file that names no manifest of its repository (start skipped it, so memory has no such tag).</summary>
    internal bool RemoveTagFile(Repository repository, string tag)
    {
        lock (repository.WriteLock)
        {
            if (repository.Tags.TryRemove(tag, out _))
            {
                TagChanged?.Invoke(repository.Name, tag, null);
            }

            return DurableFile.Delete(repository.TagPath(tag));
        }
    }

    /// <summary>Writes a blob link again whatever memory says (fsck --repair: a manifest names a stored blob whose link file is gone).</summary>
    internal void RestoreBlobLink(Repository repository, Digest digest)
    {
        lock (repository.WriteLock)
        {
            DurableFile.WriteAllBytes(repository.LayerPath(digest), [], tempDirectory: Blobs.TempDirectory);
            repository.Blobs[digest] = 0;
        }
    }
}
