using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Kindling.Artifacts;
using Kindling.Artifacts.Content;
using Kindling.Artifacts.Files;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;
using Kindling.Replication.Charts;
using Kindling.Replication.Files;
using Kindling.Replication.Nodes;
using Kindling.Replication.Registry;

namespace Kindling.Replication.Export;

/// <summary>
/// Writes what a node serves as the parts of an offline package (docs/offline-package.md): every tagged image into
/// an OCI image layout (<c>images/</c>, index.json entries named <c>REPOSITORY:TAG</c>, so an import puts them back
/// under the same names), every chart version into <c>charts/NAME-VERSION.tgz</c>, and bucket <c>kubean</c>'s objects
/// into <c>files/KEY</c>. Every byte is checked on the way (blobs by digest, charts by the listed digest, objects by
/// their MD5 ETag). Files a node serves from an ISO in place are not in its content digest and are left out (the ISO
/// travels as itself, osRepos.isoPath). The caller seals the folder (VERSION, checksums, verification, rename).
/// </summary>
public static class NodeExport
{
    public static async Task<ExportReport> RunAsync(ExportOptions options, CancellationToken cancellationToken)
    {
        using var http = NodeHttp.CreateClient(options.Trust, options.Parallel * 2);
        var node = await NodeEndpoints.DiscoverAsync(http, options.From, cancellationToken);
        var leftOut = new List<string>();
        var bytes = 0L;
        int images = 0, blobs = 0, charts = 0, files = 0;
        if (options.Only.Contains(ContentKind.Images))
        {
            if (node.Registry is null)
            {
                leftOut.Add($"images: {node} serves no registry");
            }
            else
            {
                (images, blobs, var written) = await ExportImagesAsync(new RegistryClient(http, node.Registry, options.Credentials), Path.Combine(options.Directory, "images"), options.Parallel, leftOut, cancellationToken);
                bytes += written;
            }
        }

        if (options.Only.Contains(ContentKind.Charts) && node.Charts is not null)
        {
            var client = new ChartRepositoryClient(http, node.Charts, options.Credentials);
            var folder = Path.Combine(options.Directory, "charts");
            Directory.CreateDirectory(folder);
            var fileNames = new Dictionary<string, ChartVersion>(StringComparer.Ordinal);
            foreach (var version in (await client.ListAsync(cancellationToken)).Values.SelectMany(v => v))
            {
                // Name and version become a file name: one that is no chart name or version (a path, "..") goes nowhere.
                if (!Artifacts.Charts.ChartArchive.IsValidName(version.Name) || !Artifacts.Charts.ChartArchive.IsValidVersion(version.Version))
                {
                    throw new ReplicationException($"{client.BaseUrl}api/charts: lists chart '{version.Name}' version '{version.Version}', which is not a valid chart name and SemVer version: not exported; fix or remove it on the node");
                }

                // NAME-VERSION is ambiguous ("a" 1.0.0-2 and "a-1.0.0" 2): a second chart must not replace the first.
                var fileName = $"{version.Name}-{version.Version}.tgz";
                if (!fileNames.TryAdd(fileName, version))
                {
                    var first = fileNames[fileName];
                    throw new ReplicationException($"{client.BaseUrl}api/charts: charts {first.Name} {first.Version} and {version.Name} {version.Version} would both be the package file charts/{fileName}: rename one on the node");
                }

                var archive = await client.DownloadAsync(version, cancellationToken);
                await File.WriteAllBytesAsync(Path.Combine(folder, fileName), archive, cancellationToken);
                bytes += archive.Length;
                charts++;
            }
        }

        if (options.Only.Contains(ContentKind.Files) && node.Files is not null)
        {
            var client = new ObjectStoreClient(http, node.Files, options.Credentials);
            (files, var written) = await ExportFilesAsync(http, node, client, Path.Combine(options.Directory, "files"), options.Parallel, leftOut, cancellationToken);
            bytes += written;
        }

        return new ExportReport(images, blobs, charts, files, bytes, leftOut);
    }

    private static async Task<(int Images, int Blobs, long Bytes)> ExportImagesAsync(RegistryClient registry, string layout, int parallel, List<string> leftOut, CancellationToken cancellationToken)
    {
        var blobFolder = Path.Combine(layout, "blobs", Digest.Algorithm);
        Directory.CreateDirectory(blobFolder);
        await File.WriteAllTextAsync(Path.Combine(layout, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}", cancellationToken);
        var written = new ConcurrentDictionary<Digest, Task<long>>();
        var external = new ConcurrentBag<string>();
        var entries = new ConcurrentBag<(string Reference, FetchedManifest Manifest)>();
        var tagged = new List<(string Repository, string Tag)>();
        foreach (var repository in await registry.CatalogAsync(cancellationToken))
        {
            tagged.AddRange((await registry.TagsAsync(repository, cancellationToken)).Select(t => (repository, t)));
        }

        await Parallel.ForEachAsync(tagged, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken }, async (image, token) =>
        {
            var manifest = await registry.ManifestAsync(image.Repository, image.Tag, token)
                ?? throw new ReplicationException($"{registry.BaseUrl}v2/{image.Repository}/manifests/{image.Tag}: listed as a tag but not served");
            await WriteManifestAsync(registry, image.Repository, manifest, blobFolder, written, external, token);
            entries.Add(($"{image.Repository}:{image.Tag}", manifest));
        });

        var manifests = new JsonArray();
        foreach (var (reference, manifest) in entries.OrderBy(e => e.Reference, StringComparer.Ordinal))
        {
            manifests.Add((JsonNode)new JsonObject
            {
                ["mediaType"] = manifest.MediaType,
                ["digest"] = manifest.Digest.Value,
                ["size"] = manifest.Content.Length,
                ["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = reference },
            });
        }

        if (!external.IsEmpty)
        {
            // A registry need not hold them (clients fetch them from their urls), so neither does a package.
            leftOut.Add($"images: {external.Distinct(StringComparer.Ordinal).Count()} non-distributable layer(s) with urls (fetched from their urls by clients), e.g. {external.First()}");
        }

        var index = new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = ManifestDocument.OciIndex, ["manifests"] = manifests };
        await File.WriteAllBytesAsync(Path.Combine(layout, "index.json"), JsonTree.ToUtf8(index), cancellationToken);
        long bytes = 0;
        foreach (var task in written.Values)
        {
            bytes += await task;
        }

        return (entries.Count, written.Count, bytes);
    }

    /// <summary>Writes a manifest, its children (an index's) and its blobs into the layout, each digest once.</summary>
    private static async Task WriteManifestAsync(RegistryClient registry, string repository, FetchedManifest manifest, string blobFolder, ConcurrentDictionary<Digest, Task<long>> written,
        ConcurrentBag<string> external, CancellationToken cancellationToken)
    {
        var document = manifest.Parse();
        foreach (var child in document.Manifests)
        {
            var fetched = await registry.ManifestAsync(repository, child.Digest.Value, cancellationToken)
                ?? throw new ReplicationException($"{registry.BaseUrl}v2/{repository}/manifests/{child.Digest}: named by index {manifest.Digest} but not served");
            await WriteManifestAsync(registry, repository, fetched, blobFolder, written, external, cancellationToken);
        }

        foreach (var blob in document.Blobs.Where(b => b.IsExternal))
        {
            external.Add($"{repository}@{blob.Digest}");
        }

        await Task.WhenAll(document.Blobs.Where(b => !b.IsExternal).Select(blob => written.GetOrAdd(blob.Digest, d => Task.Run(async () =>
        {
            var path = Path.Combine(blobFolder, d.Hex);
            await using (var source = await registry.OpenBlobAsync(repository, d, blob.Size, cancellationToken))
            await using (var target = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                await source.CopyToAsync(target, cancellationToken);
            }

            return blob.Size;
        }, cancellationToken))));
        await written.GetOrAdd(manifest.Digest, d => Task.Run(async () =>
        {
            await File.WriteAllBytesAsync(Path.Combine(blobFolder, d.Hex), manifest.Content, cancellationToken);
            return (long)manifest.Content.Length;
        }, cancellationToken));
    }

    private static async Task<(int Files, long Bytes)> ExportFilesAsync(HttpClient http, NodeEndpoints node, ObjectStoreClient client, string folder, int parallel, List<string> leftOut, CancellationToken cancellationToken)
    {
        var listed = await client.ListAsync(FileStore.PublicBucket, cancellationToken);
        var objects = listed.ToList();
        if (node.IsKindling)
        {
            // The content digest names what the node stores; keys it serves from an ISO in place are not in it.
            var stored = await ContentDigestClient.EntriesAsync(http, node, FileContent.Service, FileStore.PublicBucket, cancellationToken);
            objects = listed.Where(o => stored.ContainsKey(o.Key)).ToList();
            if (objects.Count < listed.Count)
            {
                leftOut.Add($"files: {listed.Count - objects.Count} key(s) of bucket {FileStore.PublicBucket} served from an ISO in place (under {string.Join(", ", listed.Where(o => !stored.ContainsKey(o.Key)).Select(o => o.Key.Split('/')[0]).Distinct(StringComparer.Ordinal))}/): carry the ISO itself (osRepos.isoPath)");
            }
        }

        var root = Path.GetFullPath(folder);
        Directory.CreateDirectory(root);
        long bytes = 0;
        await Parallel.ForEachAsync(objects, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken }, async (item, token) =>
        {
            var path = Path.GetFullPath(Path.Combine(root, item.Key));
            var problem = ObjectKeys.Problem(item.Key);
            if (problem is not null || !path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new ReplicationException($"{client.BaseUrl}{FileStore.PublicBucket}: the listing names key '{item.Key}', which cannot be a package file ({problem ?? "outside the folder"})");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await using (var source = await client.OpenAsync(FileStore.PublicBucket, item, token))
            await using (var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                await source.CopyToAsync(target, token);
            }

            Interlocked.Add(ref bytes, item.Size);
        });
        return (objects.Count, bytes);
    }
}
