using System.Collections.Concurrent;
using System.Text.Json;
using Kindling.Artifacts.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kindling.Artifacts.Charts;

/// <summary>One stored chart version: its archive's digest and size, when it was stored, and its Chart.yaml.</summary>
public sealed record StoredChart(ChartMetadata Metadata, Digest Digest, long Size, DateTimeOffset Created);

/// <summary>
/// The Helm chart repository (ChartMuseum-compatible): chart archives in the shared blob store, one small JSON
/// link file per version in <c>store/charts/&lt;name&gt;/&lt;version&gt;.json</c> (temp + fsync + rename), all versions
/// in memory, and <c>index.yaml</c> (Helm's repository index format) generated from them and cached until a change.
/// </summary>
public sealed class ChartStore
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, StoredChart>> _charts = new(StringComparer.Ordinal);
    private readonly BlobStore _blobs;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _writeLock = new();
    private readonly List<string> _skipped = [];
    private byte[]? _index;

    private ChartStore(BlobStore blobs, string directory, ILogger logger, TimeProvider time)
    {
        _blobs = blobs;
        Directory = directory;
        _logger = logger;
        _time = time;
    }

    public string Directory { get; }

    /// <summary>A chart version was stored (with its archive's digest) or deleted (null); raised under the write lock, after the link file is durable.</summary>
    public event Action<string, string, Digest?>? ChartChanged;

    public int Count => _charts.Values.Sum(v => v.Count);

    /// <summary>Link files found at start-up that are not served (unreadable, or a Chart.yaml over a limit), each with the reason.</summary>
    public IReadOnlyList<string> Skipped => _skipped;

    public static ChartStore Open(BlobStore blobs, ILogger? logger = null, TimeProvider? time = null)
    {
        var store = new ChartStore(blobs, Path.Combine(blobs.Root, "charts"), logger ?? NullLogger.Instance, time ?? TimeProvider.System);
        System.IO.Directory.CreateDirectory(store.Directory);
        foreach (var file in System.IO.Directory.EnumerateFiles(store.Directory, "*.json", SearchOption.AllDirectories))
        {
            try
            {
                var link = JsonSerializer.Deserialize(File.ReadAllBytes(file), ChartLinkJson.Default.ChartLink)!;
                var digest = Digest.Parse(link.Digest);
                var metadata = ChartArchive.Read(blobs.ReadAllBytes(digest));
                store.Versions(metadata.Name)[metadata.Version] = new StoredChart(metadata, digest, link.Size, link.Created);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A chart stored before a limit existed (or damaged on disk) must not stop the node or the other
                // charts: it is left out of index.yaml and the API, named in the log and in Skipped.
                store._skipped.Add($"{file}: {e.Message}");
                store._logger.LogError("charts: skipping {File}, not served: {Error}; delete it or upload a fixed chart with ?force", file, e.Message);
            }
        }

        return store;
    }

    /// <summary>Stores a chart archive; refuses an existing version (409) unless <paramref name="force"/>.</summary>
    public StoredChart Put(byte[] archive, bool force)
    {
        if (archive.Length > ChartArchive.MaxBytes)
        {
            throw new ChartException($"the chart archive is larger than {ChartArchive.MaxBytes / (1024 * 1024)} MiB");
        }

        var metadata = ChartArchive.Read(archive);
        // Gate before the lock (the order every writer keeps): a collection never sees the archive without its link.
        using var shared = _blobs.Gate.EnterShared();
        lock (_writeLock)
        {
            var versions = Versions(metadata.Name);
            if (!force && versions.ContainsKey(metadata.Version))
            {
                throw new ChartConflictException($"chart {metadata.Name} version {metadata.Version} already exists; upload with ?force to replace it");
            }

            var what = $"storing chart {metadata.Name} version {metadata.Version}";
            Digest digest;
            StoredChart stored;
            try
            {
                digest = _blobs.Put(archive);
                stored = new StoredChart(metadata, digest, archive.Length, _time.GetUtcNow());
                DurableFile.WriteAllBytes(LinkPath(metadata.Name, metadata.Version),
                    JsonSerializer.SerializeToUtf8Bytes(new ChartLink(digest.Value, archive.Length, stored.Created), ChartLinkJson.Default.ChartLink), tempDirectory: _blobs.TempDirectory);
            }
            catch (IOException e) when (StorageFullException.IsDiskFull(e))
            {
                // The link file is written whole or not at all: the version is not listed (an archive blob already
                // stored stays unreferenced until garbage collection).
                throw e is StorageFullException full ? new StorageFullException(what, full.Directory, full.Early, full.InnerException) : _blobs.Full(what, e);
            }

            versions[metadata.Version] = stored;
            _blobs.Settle(digest);
            _index = null;
            ChartChanged?.Invoke(metadata.Name, metadata.Version, digest);
            return stored;
        }
    }

    public StoredChart? Find(string name, string version) =>
        _charts.TryGetValue(name, out var versions) && versions.TryGetValue(version, out var chart) ? chart : null;

    /// <summary>Finds the chart whose archive is called <paramref name="fileName"/> (<c>NAME-VERSION.tgz</c>).</summary>
    public StoredChart? FindFile(string fileName) =>
        _charts.Values.SelectMany(v => v.Values).FirstOrDefault(c => c.Metadata.FileName == fileName);

    public string PathOf(StoredChart chart) => _blobs.PathOf(chart.Digest);

    /// <summary>Versions of a chart, newest first (SemVer order), or every chart by name.</summary>
    public IReadOnlyList<StoredChart> List(string name) =>
        _charts.TryGetValue(name, out var versions) ? versions.Values.OrderByDescending(c => c.Metadata.Version, SemVerComparer.Instance).ToList() : [];

    public IReadOnlyDictionary<string, IReadOnlyList<StoredChart>> All() =>
        _charts.Where(p => !p.Value.IsEmpty).OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => List(p.Key));

    public bool Delete(string name, string version)
    {
        lock (_writeLock)
        {
            if (!_charts.TryGetValue(name, out var versions) || !versions.ContainsKey(version))
            {
                return false;
            }

            DurableFile.Delete(LinkPath(name, version));
            versions.TryRemove(version, out _);
            _index = null;
            ChartChanged?.Invoke(name, version, null);
            return true;
        }
    }

    /// <summary>index.yaml (Helm repository index, apiVersion v1): every version with urls, digest and created.</summary>
    public byte[] Index()
    {
        var cached = _index;
        if (cached is not null)
        {
            return cached;
        }

        var entries = All().ToDictionary(p => p.Key, p => p.Value.Select(Entry).ToList());
        var document = new Dictionary<string, object> { ["apiVersion"] = "v1", ["entries"] = entries, ["generated"] = _time.GetUtcNow().ToString("O") };
        var yaml = IndexYaml.Write(document);
        var bytes = System.Text.Encoding.UTF8.GetBytes(yaml);
        _index = bytes;
        return bytes;
    }

    /// <summary>One index entry: Chart.yaml's fields plus urls, created and digest (hex sha256 of the archive).</summary>
    public static Dictionary<string, object?> Entry(StoredChart chart)
    {
        var entry = new Dictionary<string, object?>(chart.Metadata.Fields, StringComparer.Ordinal)
        {
            ["urls"] = new List<string> { $"charts/{chart.Metadata.FileName}" },
            ["created"] = chart.Created.ToString("O"),
            ["digest"] = chart.Digest.Hex,
        };
        return entry;
    }

    private ConcurrentDictionary<string, StoredChart> Versions(string name) =>
        _charts.GetOrAdd(name, _ => new ConcurrentDictionary<string, StoredChart>(StringComparer.Ordinal));

    private string LinkPath(string name, string version) => Path.Combine(Directory, name, version + ".json");
}

/// <summary>A chart version's link file: the archive's digest and size, and when it was stored.</summary>
internal sealed record ChartLink(string Digest, long Size, DateTimeOffset Created);

[System.Text.Json.Serialization.JsonSerializable(typeof(ChartLink))]
internal sealed partial class ChartLinkJson : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>The version already exists (HTTP 409).</summary>
public sealed class ChartConflictException(string message) : Exception(message);

/// <summary>SemVer 2 precedence, enough for ordering versions newest first.</summary>
internal sealed class SemVerComparer : IComparer<string>
{
    public static readonly SemVerComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        var (a, aPre) = Split(x ?? "");
        var (b, bPre) = Split(y ?? "");
        for (var i = 0; i < 3; i++)
        {
            var c = a[i].CompareTo(b[i]);
            if (c != 0)
            {
                return c;
            }
        }

        if (aPre.Length == 0 || bPre.Length == 0)
        {
            return bPre.Length.CompareTo(aPre.Length) == 0 ? 0 : aPre.Length == 0 ? 1 : -1;
        }

        return string.CompareOrdinal(aPre, bPre);
    }

    private static (long[] Numbers, string Pre) Split(string version)
    {
        var core = version.TrimStart('v').Split('+')[0];
        var dash = core.IndexOf('-', StringComparison.Ordinal);
        var pre = dash >= 0 ? core[(dash + 1)..] : "";
        var numbers = (dash >= 0 ? core[..dash] : core).Split('.').Select(p => long.TryParse(p, out var n) ? n : 0).Concat([0L, 0L, 0L]).Take(3).ToArray();
        return (numbers, pre);
    }
}
