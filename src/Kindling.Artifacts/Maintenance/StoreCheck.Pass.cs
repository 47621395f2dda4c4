using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;

namespace Kindling.Artifacts.Maintenance;

public static partial class StoreCheck
{
    /// <summary>
    /// One check of a store: what it found so far and the repairs it decided (run under the gate at the end, when
    /// asked), step by step in the order <see cref="Check"/> calls them.
    /// </summary>
    private sealed class Pass(NodeStore store, FsckOptions options)
    {
        private readonly BlobStore _blobs = store.Blobs;
        private readonly string _quarantine = Path.Combine(store.Blobs.Root, "quarantine");

        /// <summary>Blobs whose file is in the store, by their name.</summary>
        private HashSet<Digest> _present = [];

        /// <summary>Blobs whose content hashes to another digest: name -> actual.</summary>
        private readonly ConcurrentDictionary<Digest, Digest> _damaged = new();

        /// <summary>Damaged blob -> what its repair removes.</summary>
        private readonly Dictionary<Digest, List<string>> _brokenBlobLinks = [];

        /// <summary>Blobs something (link, manifest, chart) names.</summary>
        private readonly HashSet<Digest> _named = [];

        public List<FsckFinding> Findings { get; } = [];

        public List<Action> Actions { get; } = [];

        public int BlobsChecked { get; private set; }

        public int ManifestsChecked { get; private set; }

        public int TagsChecked { get; private set; }

        public int ChartsChecked { get; private set; }

        private string? Repair(string what) => options.Repair ? what : null;

        /// <summary>Hashes every blob file against its name; a file not named as a blob is set aside.</summary>
        public void HashBlobs()
        {
            var files = ListBlobFiles();
            BlobsChecked = files.Count;
            _present = files.Select(f => f.Digest).ToHashSet();
            Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, file =>
            {
                try
                {
                    using var stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 256 * 1024, FileOptions.SequentialScan);
                    var actual = Digest.FromHash(SHA256.HashData(stream));
                    if (actual != file.Digest)
                    {
                        _damaged[file.Digest] = actual;
                    }
                }
                catch (FileNotFoundException)
                {
                    // Collected meanwhile (fsck inside a serving node): not there, not damaged.
                }
            });

            foreach (var (digest, _) in _damaged)
            {
                _brokenBlobLinks[digest] = [];
            }
        }

        private List<(Digest Digest, string Path)> ListBlobFiles()
        {
            var files = new List<(Digest Digest, string Path)>();
            foreach (var folder in new DirectoryInfo(_blobs.BlobsDirectory).EnumerateDirectories())
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
                        Findings.Add(new FsckFinding(FsckKind.Leftover, Relative(store, path), "a file in the blob store whose name is not its folder's sha256 digest")
                        {
                            Repair = Repair("moved to store/quarantine/stray/"),
                        });
                        Actions.Add(() => MoveInto(path, Path.Combine(_quarantine, "stray")));
                    }
                }
            }

            return files;
        }

        /// <summary>A repository's blob links, manifest revisions (an index over a broken manifest is broken too) and tags.</summary>
        public void CheckRepository(string name)
        {
            var repository = store.Registry.RepositoryFor(name);
            var layers = DigestsIn(repository.LayersDirectory);
            var revisions = DigestsIn(repository.RevisionsDirectory);
            var broken = new HashSet<Digest>();
            var parents = new Dictionary<Digest, List<Digest>>();
            CheckBlobLinks(name, repository, layers);
            foreach (var revision in revisions)
            {
                CheckRevision(name, repository, revision, layers, revisions, broken, parents);
            }

            SpreadToParents(broken, parents);
            foreach (var revision in broken)
            {
                Actions.Add(() => store.Registry.RemoveManifestLinks(repository, revision));
            }

            CheckTags(name, repository, revisions);
        }

        private void CheckBlobLinks(string name, Repository repository, HashSet<Digest> layers)
        {
            foreach (var layer in layers)
            {
                _named.Add(layer);
                if (!_present.Contains(layer))
                {
                    Findings.Add(new FsckFinding(FsckKind.Dangling, $"{name}@{layer}", "blob link names a blob missing from the store") { Repair = Repair("link removed") });
                    Actions.Add(() => RemoveLink(store.Registry, repository, layer));
                }
                else if (_damaged.ContainsKey(layer))
                {
                    _brokenBlobLinks[layer].Add($"link {name}@{layer}");
                    Actions.Add(() => RemoveLink(store.Registry, repository, layer));
                }
            }
        }

        /// <summary>One manifest revision: its content, the blobs it names and, for an index, its children.</summary>
        private void CheckRevision(string name, Repository repository, Digest revision, HashSet<Digest> layers, HashSet<Digest> revisions,
            HashSet<Digest> broken, Dictionary<Digest, List<Digest>> parents)
        {
            ManifestsChecked++;
            _named.Add(revision);
            if (!_present.Contains(revision))
            {
                broken.Add(revision);
                Findings.Add(new FsckFinding(FsckKind.Dangling, $"{name}@{revision}", "manifest revision names content missing from the blob store")
                {
                    Repair = Repair("revision and its tags removed (replication copies the image again)"),
                });
                return;
            }

            if (_damaged.ContainsKey(revision))
            {
                broken.Add(revision);
                _brokenBlobLinks[revision].Add($"manifest {name}@{revision} and its tags");
                return;
            }

            ManifestDocument document;
            try
            {
                document = ManifestDocument.Parse(File.ReadAllBytes(_blobs.PathOf(revision)), ReadText(repository.RevisionPath(revision)));
            }
            catch (RegistryException)
            {
                return; // stored before a limit existed: served as stored, nothing to follow
            }

            CheckManifestBlobs(name, repository, revision, document, layers, broken);
            CheckIndexChildren(name, revision, document, revisions, broken, parents);
        }

        private void CheckManifestBlobs(string name, Repository repository, Digest revision, ManifestDocument document, HashSet<Digest> layers, HashSet<Digest> broken)
        {
            foreach (var blob in document.Blobs.Where(b => !b.IsExternal))
            {
                _named.Add(blob.Digest);
                if (!_present.Contains(blob.Digest))
                {
                    broken.Add(revision);
                    Findings.Add(new FsckFinding(FsckKind.Dangling, $"{name}@{revision}", $"names blob {blob.Digest}, missing from the store")
                    {
                        Repair = Repair("manifest and its tags removed (replication copies the image again)"),
                    });
                }
                else if (_damaged.ContainsKey(blob.Digest))
                {
                    broken.Add(revision);
                    _brokenBlobLinks[blob.Digest].Add($"manifest {name}@{revision} and its tags");
                }
                else if (!layers.Contains(blob.Digest))
                {
                    var digest = blob.Digest;
                    Findings.Add(new FsckFinding(FsckKind.Dangling, $"{name}@{revision}", $"names blob {digest}, which is in the store but not linked into the repository")
                    {
                        Repair = Repair("blob linked again"),
                    });
                    Actions.Add(() => store.Registry.RestoreBlobLink(repository, digest));
                }
            }
        }

        private void CheckIndexChildren(string name, Digest revision, ManifestDocument document, HashSet<Digest> revisions, HashSet<Digest> broken, Dictionary<Digest, List<Digest>> parents)
        {
            foreach (var child in document.Manifests)
            {
                if (!revisions.Contains(child.Digest))
                {
                    broken.Add(revision);
                    Findings.Add(new FsckFinding(FsckKind.Dangling, $"{name}@{revision}", $"index names manifest {child.Digest}, which is not in the repository")
                    {
                        Repair = Repair("index and its tags removed (replication copies the image again)"),
                    });
                }
                else
                {
                    (parents.TryGetValue(child.Digest, out var list) ? list : parents[child.Digest] = []).Add(revision);
                }
            }
        }

        /// <summary>An index over a broken manifest is broken too: adds every index above one to <paramref name="broken"/>.</summary>
        private static void SpreadToParents(HashSet<Digest> broken, Dictionary<Digest, List<Digest>> parents)
        {
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
        }

        private void CheckTags(string name, Repository repository, HashSet<Digest> revisions)
        {
            if (!Directory.Exists(repository.TagsDirectory))
            {
                return;
            }

            foreach (var tagFile in Directory.EnumerateFiles(repository.TagsDirectory))
            {
                TagsChecked++;
                var tag = Path.GetFileName(tagFile);
                var text = ReadText(tagFile);
                if (!Digest.TryParse(text, out var target, out _) || !revisions.Contains(target.Value))
                {
                    Findings.Add(new FsckFinding(FsckKind.Dangling, $"{name}:{tag}", $"tag names '{Shorten(text)}', which is not a manifest of the repository")
                    {
                        Repair = Repair("tag removed"),
                    });
                    Actions.Add(() => store.Registry.RemoveTagFile(repository, tag));
                }
            }
        }

        /// <summary>A chart link file (<c>charts/NAME/VERSION.json</c>): readable, naming an archive present, whole and of its size.</summary>
        public void CheckChartLink(string file)
        {
            ChartsChecked++;
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
                Findings.Add(new FsckFinding(FsckKind.Damaged, $"chart {chartName} {version}", $"link file {Relative(store, file)} is not a chart link ({e.Message})")
                {
                    Repair = Repair("link file moved to store/quarantine/charts/"),
                });
                Actions.Add(() => MoveInto(file, Path.Combine(_quarantine, "charts", chartName)));
                return;
            }

            _named.Add(digest);
            if (!_present.Contains(digest))
            {
                Findings.Add(new FsckFinding(FsckKind.Dangling, $"chart {chartName} {version}", $"names archive {digest}, missing from the store")
                {
                    Repair = Repair("chart version removed (replication copies it again)"),
                });
                Actions.Add(() => RemoveChart(store, chartName, version, file));
            }
            else if (_damaged.ContainsKey(digest))
            {
                _brokenBlobLinks[digest].Add($"chart {chartName} {version}");
                Actions.Add(() => RemoveChart(store, chartName, version, file));
            }
            else if (new FileInfo(_blobs.PathOf(digest)).Length != size)
            {
                Findings.Add(new FsckFinding(FsckKind.Damaged, $"chart {chartName} {version}", $"link says {size} bytes, archive {digest} has {new FileInfo(_blobs.PathOf(digest)).Length}")
                {
                    Repair = Repair("chart version removed (replication copies it again)"),
                });
                Actions.Add(() => RemoveChart(store, chartName, version, file));
            }
        }

        /// <summary>Each damaged blob with what named it; its repair moves it to quarantine.</summary>
        public void ReportDamagedBlobs()
        {
            foreach (var (digest, actual) in _damaged)
            {
                var affected = _brokenBlobLinks[digest];
                Findings.Add(new FsckFinding(FsckKind.Damaged, digest.Value,
                    $"blob content hashes to {actual}" + (affected.Count == 0 ? "" : $"; named by {string.Join(", ", affected)}"))
                {
                    Repair = Repair($"moved to store/quarantine/{Digest.Algorithm}/{digest.Hex}" + (affected.Count == 0 ? "" : "; what named it removed (replication copies a good one)")),
                });
                Actions.Add(() => _blobs.Quarantine(digest, Path.Combine(_quarantine, Digest.Algorithm)));
            }
        }

        /// <summary>Blobs nothing names (garbage collection's business), reported only.</summary>
        public void ReportUnreferencedBlobs()
        {
            foreach (var digest in _present.Where(d => !_named.Contains(d) && !_damaged.ContainsKey(d)).OrderBy(d => d.Value, StringComparer.Ordinal))
            {
                Findings.Add(new FsckFinding(FsckKind.Unreferenced, digest.Value, "no tag, manifest, blob link or chart names it"));
            }
        }
    }
}
