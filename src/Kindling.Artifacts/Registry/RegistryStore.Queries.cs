using Kindling.Artifacts.Storage;
using Microsoft.Extensions.Logging;

namespace Kindling.Artifacts.Registry;

/// <summary>Listing (tags, catalog, referrers), loading at start and the consistency check.</summary>
public sealed partial class RegistryStore
{
    /// <summary>Tags of a repository in lexical order, after <paramref name="last"/>, at most <paramref name="n"/>.</summary>
    public IReadOnlyList<string> ListTags(string name, int? n, string? last)
    {
        RepositoryNames.CheckName(name);
        if (!_repositories.TryGetValue(name, out var repository) || repository.IsEmpty)
        {
            throw RegistryException.NameUnknown(name);
        }

        return Page(repository.Tags.Keys, n, last);
    }

    /// <summary>Repository names in lexical order (<c>/v2/_catalog</c>).</summary>
    public IReadOnlyList<string> Catalog(int? n, string? last) =>
        Page(_repositories.Values.Where(r => !r.Manifests.IsEmpty || !r.Blobs.IsEmpty).Select(r => r.Name), n, last);

    /// <summary>
    /// Manifests in the repository whose <c>subject</c> is <paramref name="subject"/> (OCI Distribution Specification
    /// v1.1, "Listing Referrers"), optionally only those of one artifact type.
    /// </summary>
    public IReadOnlyList<Descriptor> Referrers(string name, Digest subject, string? artifactType)
    {
        RepositoryNames.CheckName(name);
        if (!_repositories.TryGetValue(name, out var repository))
        {
            return [];
        }

        return repository.Manifests.Values
            .Where(m => m.Subject?.Digest == subject && (artifactType is null || m.Document?.ArtifactType == artifactType))
            .OrderBy(m => m.Digest.Value, StringComparer.Ordinal)
            .Select(m => m.AsDescriptor())
            .ToList();
    }

    private static List<string> Page(IEnumerable<string> items, int? n, string? last)
    {
        var sorted = items.Where(i => last is null || string.CompareOrdinal(i, last) > 0).Order(StringComparer.Ordinal);
        return (n is { } count ? sorted.Take(Math.Max(0, count)) : sorted).ToList();
    }

    /// <summary>
    /// Checks that every tag names a manifest of its repository, every manifest's content is in the store and
    /// hashes to its digest, and every blob a manifest names is linked and present. Returns the problems found.
    /// </summary>
    public IReadOnlyList<string> Verify()
    {
        var problems = new List<string>();
        foreach (var repository in _repositories.Values)
        {
            foreach (var (tag, manifest) in repository.Tags)
            {
                if (!repository.Manifests.ContainsKey(manifest.Digest.Value) || !File.Exists(repository.RevisionPath(manifest.Digest)))
                {
                    problems.Add($"{repository.Name}:{tag} names {manifest.Digest}, which is not a manifest of the repository");
                }
            }

            foreach (var manifest in repository.Manifests.Values)
            {
                if (!Blobs.Exists(manifest.Digest) || !Blobs.Verify(manifest.Digest))
                {
                    problems.Add($"{repository.Name}@{manifest.Digest}: manifest content missing or corrupt in the blob store");
                }

                foreach (var blob in manifest.Document?.Blobs ?? [])
                {
                    if (!blob.IsExternal && (!repository.Blobs.ContainsKey(blob.Digest) || !Blobs.Exists(blob.Digest)))
                    {
                        problems.Add($"{repository.Name}@{manifest.Digest} names blob {blob.Digest}, which is missing");
                    }
                }
            }

            foreach (var blob in repository.Blobs.Keys)
            {
                if (!Blobs.Exists(blob) || !Blobs.Verify(blob))
                {
                    problems.Add($"{repository.Name}: linked blob {blob} missing or corrupt in the blob store");
                }
            }
        }

        return problems;
    }

    /// <summary>Reads every repository folder (a folder holding <c>_manifests</c> or <c>_layers</c>) into memory.</summary>
    private void Load()
    {
        var root = new DirectoryInfo(Directory);
        foreach (var folder in root.EnumerateDirectories("*", SearchOption.AllDirectories))
        {
            if (folder.Name is not ("_manifests" or "_layers") || folder.Parent is null)
            {
                continue;
            }

            var name = Path.GetRelativePath(Directory, folder.Parent.FullName).Replace(Path.DirectorySeparatorChar, '/');
            if (!RepositoryNames.IsValidName(name))
            {
                _logger.LogWarning("registry: ignoring folder {Folder}: '{Name}' is not a valid repository name", folder.Parent.FullName, name);
                continue;
            }

            var repository = _repositories.GetOrAdd(name, n => new Repository(n, folder.Parent.FullName));
            if (folder.Name == "_layers")
            {
                LoadBlobLinks(repository);
            }
            else
            {
                LoadManifests(repository);
            }
        }
    }

    private static void LoadBlobLinks(Repository repository)
    {
        if (!System.IO.Directory.Exists(repository.LayersDirectory))
        {
            return;
        }

        foreach (var link in System.IO.Directory.EnumerateFiles(repository.LayersDirectory))
        {
            if (Digest.TryParse(Digest.Algorithm + ":" + Path.GetFileName(link), out var digest, out _))
            {
                repository.Blobs[digest.Value] = 0;
            }
        }
    }

    private void LoadManifests(Repository repository)
    {
        if (System.IO.Directory.Exists(repository.RevisionsDirectory))
        {
            foreach (var link in System.IO.Directory.EnumerateFiles(repository.RevisionsDirectory))
            {
                if (!Digest.TryParse(Digest.Algorithm + ":" + Path.GetFileName(link), out var digest, out _))
                {
                    continue;
                }

                var stored = LoadManifest(repository, digest.Value, ReadSmallText(link));
                if (stored is not null)
                {
                    repository.Manifests[digest.Value.Value] = stored;
                }
            }
        }

        if (System.IO.Directory.Exists(repository.TagsDirectory))
        {
            foreach (var tagFile in System.IO.Directory.EnumerateFiles(repository.TagsDirectory))
            {
                var tag = Path.GetFileName(tagFile);
                var text = ReadSmallText(tagFile);
                if (RepositoryNames.IsValidTag(tag) && repository.Manifests.TryGetValue(text, out var manifest))
                {
                    repository.Tags[tag] = manifest;
                }
                else
                {
                    _logger.LogWarning("registry: tag file {File} names '{Target}', which is not a manifest of {Repository}; ignored", tagFile, text, repository.Name);
                }
            }
        }
    }

    private StoredManifest? LoadManifest(Repository repository, Digest digest, string mediaType)
    {
        if (_manifests.TryGetValue(digest, out var cached))
        {
            return cached;
        }

        if (!Blobs.Exists(digest))
        {
            _logger.LogError("registry: {Repository} lists manifest {Digest}, whose content is missing from the blob store; ignored", repository.Name, digest);
            return null;
        }

        var content = Blobs.ReadAllBytes(digest);
        ManifestDocument? document = null;
        try
        {
            document = ManifestDocument.Parse(content, mediaType);
        }
        catch (RegistryException e)
        {
            _logger.LogWarning("registry: manifest {Digest} of {Repository} no longer parses ({Error}); served as stored", digest, repository.Name, e.Message);
        }

        return _manifests.GetOrAdd(digest, new StoredManifest(digest, mediaType, content, document));
    }
}
