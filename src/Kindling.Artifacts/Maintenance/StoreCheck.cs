using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Kindling.Artifacts.Files;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;

namespace Kindling.Artifacts.Maintenance;

/// <summary>
/// <c>kindling node fsck</c>: checks a node's store on disk (not the in-memory view, which skips what it cannot
/// load): every blob against its digest, every tag, manifest revision and blob link against what it names, every
/// chart link against its archive; lists unreferenced blobs and what interrupted writes left. With repair, a
/// damaged blob is moved to <c>store/quarantine/</c> (never deleted) and every link naming it or naming something
/// missing is removed — tags included, so the next replication round from the peer sees the image missing and
/// copies a good one; a blob a manifest names but its repository lacks a link to is linked again.
/// File-store objects carry no recorded digest (their ETag is the MD5 of their bytes, computed when read), so
/// their bit rot is found by <c>kindling verify</c> against the peer, not here.
/// </summary>
public static class StoreCheck
{
    public static FsckReport Check(NodeStore store, FsckOptions options, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var started = Stopwatch.GetTimestamp();
        var now = time.GetUtcNow().UtcDateTime;
        var blobs = store.Blobs;
        var quarantine = Path.Combine(blobs.Root, "quarantine");
        var findings = new List<FsckFinding>();
        var actions = new List<Action>();

        // 1. Blobs: every file hashed (in parallel: this is the slow part), strays set aside.
        var files = new List<(Digest Digest, string Path)>();
        foreach (var folder in new DirectoryInfo(blobs.BlobsDirectory).EnumerateDirectories())
        {
            foreach (var file in folder.EnumerateFiles())
            {
                if (Digest.TryParse(Digest.Algorithm + ":" + file.Name, out var digest, out _) && digest.Value.Hex[..2] == folder.Name)
                {
                    files.Add((digest.Value, file.FullName));
                }
                else
                {
                    var path = file.FullName;
                    findings.Add(new FsckFinding(FsckKind.Leftover, Relative(store, path), "a file in the blob store whose name is not its folder's sha256 digest")
                    {
                        Repair = options.Repair ? "moved to store/quarantine/stray/" : null,
                    });
                    actions.Add(() => MoveInto(path, Path.Combine(quarantine, "stray")));
                }
            }
        }

        var present = files.Select(f => f.Digest).ToHashSet();
        var damaged = new ConcurrentDictionary<Digest, Digest>();
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, file =>
        {
            try
            {
                using var stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 256 * 1024, FileOptions.SequentialScan);
                var actual = Digest.FromHash(SHA256.HashData(stream));
                if (actual != file.Digest)
                {
                    damaged[file.Digest] = actual;
                }
            }
            catch (FileNotFoundException)
            {
                // Collected meanwhile (fsck inside a serving node): not there, not damaged.
            }
        });

        var brokenBlobLinks = new Dictionary<Digest, List<string>>(); // damaged blob -> what its repair removes
        foreach (var (digest, actual) in damaged)
        {
            brokenBlobLinks[digest] = [];
        }

        // 2. The registry, as the files on disk say.
        var named = new HashSet<Digest>();
        int manifestsChecked = 0, tagsChecked = 0, chartsChecked = 0;
        foreach (var name in RepositoryNamesOnDisk(store.Registry.Directory))
        {
            var repository = store.Registry.RepositoryFor(name);
            var layers = DigestsIn(repository.LayersDirectory);
            var revisions = DigestsIn(repository.RevisionsDirectory);
            var broken = new HashSet<Digest>();
            var parents = new Dictionary<Digest, List<Digest>>();
            foreach (var layer in layers)
            {
                named.Add(layer);
                if (!present.Contains(layer))
                {
                    findings.Add(new FsckFinding(FsckKind.Dangling, $"{name}@{layer}", "blob link names a blob missing from the store") { Repair = options.Repair ? "link removed" : null });
                    actions.Add(() => RemoveLink(store.Registry, repository, layer));
                }
                else if (damaged.ContainsKey(layer))
                {
                    brokenBlobLinks[layer].Add($"link {name}@{layer}");
                    actions.Add(() => RemoveLink(store.Registry, repository, layer));
                }
            }

            foreach (var revision in revisions)
            {
                manifestsChecked++;
                named.Add(revision);
                if (!present.Contains(revision))
                {
                    broken.Add(revision);
                    findings.Add(new FsckFinding(FsckKind.Dangling, $"{name}@{revision}", "manifest revision names content missing from the blob store")
                    {
                        Repair = options.Repair ? "revision and its tags removed (replication copies the image again)" : null,
                    });
                    continue;
                }

                if (damaged.ContainsKey(revision))
                {
                    broken.Add(revision);
                    brokenBlobLinks[revision].Add($"manifest {name}@{revision} and its tags");
                    continue;
                }

                ManifestDocument document;
                try
                {
                    document = ManifestDocument.Parse(File.ReadAllBytes(blobs.PathOf(revision)), ReadText(repository.RevisionPath(revision)));
                }
                catch (RegistryException)
                {
                    continue; // stored before a limit existed: served as stored, nothing to follow
                }

                foreach (var blob in document.Blobs.Where(b => !b.IsExternal))
                {
                    named.Add(blob.Digest);
                    if (!present.Contains(blob.Digest))
                    {
                        broken.Add(revision);
                        findings.Add(new FsckFinding(FsckKind.Dangling, $"{name}@{revision}", $"names blob {blob.Digest}, missing from the store")
                        {
                            Repair = options.Repair ? "manifest and its tags removed (replication copies the image again)" : null,
                        });
                    }
                    else if (damaged.ContainsKey(blob.Digest))
                    {
                        broken.Add(revision);
                        brokenBlobLinks[blob.Digest].Add($"manifest {name}@{revision} and its tags");
                    }
                    else if (!layers.Contains(blob.Digest))
                    {
                        var digest = blob.Digest;
                        findings.Add(new FsckFinding(FsckKind.Dangling, $"{name}@{revision}", $"names blob {digest}, which is in the store but not linked into the repository")
                        {
                            Repair = options.Repair ? "blob linked again" : null,
                        });
                        actions.Add(() => store.Registry.RestoreBlobLink(repository, digest));
                    }
                }

                foreach (var child in document.Manifests)
                {
                    if (!revisions.Contains(child.Digest))
                    {
                        broken.Add(revision);
                        findings.Add(new FsckFinding(FsckKind.Dangling, $"{name}@{revision}", $"index names manifest {child.Digest}, which is not in the repository")
                        {
                            Repair = options.Repair ? "index and its tags removed (replication copies the image again)" : null,
                        });
                    }
                    else
                    {
                        (parents.TryGetValue(child.Digest, out var list) ? list : parents[child.Digest] = []).Add(revision);
                    }
                }
            }

            // An index over a broken manifest is broken too.
            var queue = new Queue<Digest>(broken);
            while (queue.TryDequeue(out var digest))
            {
                foreach (var parent in parents.GetValueOrDefault(digest) ?? [])
                {
                    if (broken.Add(parent))
                    {
                        queue.Enqueue(parent);
                    }
                }
            }

            foreach (var revision in broken)
            {
                actions.Add(() => store.Registry.RemoveManifestLinks(repository, revision));
            }

            if (Directory.Exists(repository.TagsDirectory))
            {
                foreach (var tagFile in Directory.EnumerateFiles(repository.TagsDirectory))
                {
                    tagsChecked++;
                    var tag = Path.GetFileName(tagFile);
                    var text = ReadText(tagFile);
                    if (!Digest.TryParse(text, out var target, out _) || !revisions.Contains(target.Value))
                    {
                        findings.Add(new FsckFinding(FsckKind.Dangling, $"{name}:{tag}", $"tag names '{Shorten(text)}', which is not a manifest of the repository")
                        {
                            Repair = options.Repair ? "tag removed" : null,
                        });
                        actions.Add(() => store.Registry.RemoveTagFile(repository, tag));
                    }
                }
            }
        }

        // 3. Chart links.
        foreach (var file in Directory.EnumerateFiles(store.Charts.Directory, "*.json", SearchOption.AllDirectories))
        {
            chartsChecked++;
            var chart = Path.GetRelativePath(store.Charts.Directory, file);
            var chartName = Path.GetDirectoryName(chart) ?? "";
            var version = Path.GetFileNameWithoutExtension(file);
            Digest digest;
            long size;
            try
            {
                var link = JsonNode.Parse(File.ReadAllBytes(file))!;
                digest = Digest.Parse(link["Digest"]!.GetValue<string>());
                size = link["Size"]!.GetValue<long>();
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or NullReferenceException or FormatException or ArgumentException)
            {
                findings.Add(new FsckFinding(FsckKind.Damaged, $"chart {chartName} {version}", $"link file {Relative(store, file)} is not a chart link ({e.Message})")
                {
                    Repair = options.Repair ? "link file moved to store/quarantine/charts/" : null,
                });
                actions.Add(() => MoveInto(file, Path.Combine(quarantine, "charts", chartName)));
                continue;
            }

            named.Add(digest);
            if (!present.Contains(digest))
            {
                findings.Add(new FsckFinding(FsckKind.Dangling, $"chart {chartName} {version}", $"names archive {digest}, missing from the store")
                {
                    Repair = options.Repair ? "chart version removed (replication copies it again)" : null,
                });
                actions.Add(() => RemoveChart(store, chartName, version, file));
            }
            else if (damaged.ContainsKey(digest))
            {
                brokenBlobLinks[digest].Add($"chart {chartName} {version}");
                actions.Add(() => RemoveChart(store, chartName, version, file));
            }
            else if (new FileInfo(blobs.PathOf(digest)).Length != size)
            {
                findings.Add(new FsckFinding(FsckKind.Damaged, $"chart {chartName} {version}", $"link says {size} bytes, archive {digest} has {new FileInfo(blobs.PathOf(digest)).Length}")
                {
                    Repair = options.Repair ? "chart version removed (replication copies it again)" : null,
                });
                actions.Add(() => RemoveChart(store, chartName, version, file));
            }
        }

        foreach (var (digest, actual) in damaged)
        {
            var affected = brokenBlobLinks[digest];
            findings.Add(new FsckFinding(FsckKind.Damaged, digest.Value,
                $"blob content hashes to {actual}" + (affected.Count == 0 ? "" : $"; named by {string.Join(", ", affected)}"))
            {
                Repair = options.Repair ? $"moved to store/quarantine/{Digest.Algorithm}/{digest.Hex}" + (affected.Count == 0 ? "" : "; what named it removed (replication copies a good one)") : null,
            });
            actions.Add(() => blobs.Quarantine(digest, Path.Combine(quarantine, Digest.Algorithm)));
        }

        // 4. Unreferenced blobs (garbage collection's business) and leftovers of interrupted writes.
        foreach (var digest in present.Where(d => !named.Contains(d) && !damaged.ContainsKey(d)).OrderBy(d => d.Value, StringComparer.Ordinal))
        {
            findings.Add(new FsckFinding(FsckKind.Unreferenced, digest.Value, "no tag, manifest, blob link or chart names it"));
        }

        Leftovers(store, options, now, findings, actions);

        if (options.Repair)
        {
            // The gate keeps a collection from running between the decisions and their removals.
            using var exclusive = blobs.Gate.EnterExclusive();
            foreach (var action in actions)
            {
                action();
            }
        }

        return new FsckReport
        {
            Repair = options.Repair,
            Findings = findings,
            BlobsChecked = files.Count,
            ManifestsChecked = manifestsChecked,
            TagsChecked = tagsChecked,
            ChartsChecked = chartsChecked,
            Duration = Stopwatch.GetElapsedTime(started),
        };
    }

    private static void Leftovers(NodeStore store, FsckOptions options, DateTime now, List<FsckFinding> findings, List<Action> actions)
    {
        foreach (var entry in new DirectoryInfo(store.Blobs.TempDirectory).EnumerateFileSystemInfos())
        {
            if (now - entry.LastWriteTimeUtc >= options.TemporaryAge)
            {
                findings.Add(new FsckFinding(FsckKind.Leftover, Relative(store, entry.FullName), "temporary file of an interrupted write") { Repair = options.Repair ? "removed" : null });
                actions.Add(() => Remove(entry.FullName));
            }
        }

        var limits = store.Uploads.Limits;
        foreach (var folder in new DirectoryInfo(store.Uploads.Directory).EnumerateDirectories())
        {
            var data = new FileInfo(Path.Combine(folder.FullName, "data"));
            var owner = Path.Combine(folder.FullName, "repository");
            var last = data.Exists && data.LastWriteTimeUtc > folder.LastWriteTimeUtc ? data.LastWriteTimeUtc : folder.LastWriteTimeUtc;
            var limit = data.Exists && data.Length > 0 ? limits.IdleLimit : limits.EmptyIdleLimit;
            var why = !File.Exists(owner) && now - folder.LastWriteTimeUtc >= options.TemporaryAge ? "upload session without its repository file (interrupted as it started)"
                : now - last > limit ? $"upload session idle for more than {limit.TotalHours:0.##} h"
                : null;
            if (why is not null)
            {
                findings.Add(new FsckFinding(FsckKind.Leftover, Relative(store, folder.FullName), why) { Repair = options.Repair ? "removed" : null });
                actions.Add(() => Remove(folder.FullName));
            }
        }

        foreach (var folder in new DirectoryInfo(store.Files.Multipart.Directory).EnumerateDirectories())
        {
            if (now - folder.LastWriteTimeUtc > MultipartUploads.Expiry)
            {
                findings.Add(new FsckFinding(FsckKind.Leftover, Relative(store, folder.FullName), $"multipart upload older than {MultipartUploads.Expiry.TotalDays:0} days")
                {
                    Repair = options.Repair ? "removed" : null,
                });
                actions.Add(() => Remove(folder.FullName));
            }
        }
    }

    /// <summary>Repository names as the folders say: a folder holding <c>_manifests</c> or <c>_layers</c>, with a valid name.</summary>
    private static SortedSet<string> RepositoryNamesOnDisk(string root)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var folder in new DirectoryInfo(root).EnumerateDirectories("*", SearchOption.AllDirectories))
        {
            if (folder.Name is "_manifests" or "_layers" && folder.Parent is { } parent)
            {
                var name = Path.GetRelativePath(root, parent.FullName).Replace(Path.DirectorySeparatorChar, '/');
                if (RepositoryNames.IsValidName(name))
                {
                    names.Add(name);
                }
            }
        }

        return names;
    }

    private static HashSet<Digest> DigestsIn(string folder)
    {
        var digests = new HashSet<Digest>();
        if (Directory.Exists(folder))
        {
            foreach (var file in Directory.EnumerateFiles(folder))
            {
                if (Digest.TryParse(Digest.Algorithm + ":" + Path.GetFileName(file), out var digest, out _))
                {
                    digests.Add(digest.Value);
                }
            }
        }

        return digests;
    }

    private static void RemoveLink(RegistryStore registry, Repository repository, Digest digest)
    {
        if (!registry.RemoveBlobLink(repository, digest))
        {
            DurableFile.Delete(repository.LayerPath(digest));
        }
    }

    private static void RemoveChart(NodeStore store, string name, string version, string file)
    {
        if (!store.Charts.Delete(name.Replace(Path.DirectorySeparatorChar, '/'), version))
        {
            DurableFile.Delete(file);
        }
    }

    private static void MoveInto(string path, string folder)
    {
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, Path.GetFileName(path));
        for (var n = 1; File.Exists(target); n++)
        {
            target = Path.Combine(folder, $"{Path.GetFileName(path)}.{n}");
        }

        File.Move(path, target);
    }

    private static void Remove(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else
        {
            DurableFile.TryDelete(path);
        }
    }

    private static string ReadText(string path) => Encoding.UTF8.GetString(File.ReadAllBytes(path)).Trim();

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";

    private static string Relative(NodeStore store, string path) => Path.GetRelativePath(store.DataDirectory, path);
}
