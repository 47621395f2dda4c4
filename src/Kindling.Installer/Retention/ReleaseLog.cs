using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kindling.Installer.Retention;

/// <summary>
/// <c>DATA/releases.json</c>: which release (package version) brought which tags, chart versions and files, oldest
/// first (docs/storage-layout.md). Each import step adds what it imported once it is stored, so an interrupted import
/// records less, never more: what is not recorded counts as pushed by people and is never pruned. Written by temp +
/// fsync + rename.
/// </summary>
public sealed class ReleaseLog
{
    public const string FileName = "releases.json";

    private readonly List<Release> _releases;

    private ReleaseLog(string path, List<Release> releases)
    {
        Path = path;
        _releases = releases;
    }

    public string Path { get; }

    /// <summary>Oldest first; a package imported again moves to the end (it is the latest import).</summary>
    public IReadOnlyList<Release> Releases => _releases;

    public static string PathFor(string dataDir) => System.IO.Path.Combine(System.IO.Path.GetFullPath(dataDir), FileName);

    /// <summary>Reads the log (empty when there is none); a damaged file is an error naming it, never silently reset.</summary>
    public static ReleaseLog Load(string dataDir)
    {
        var path = PathFor(dataDir);
        if (!File.Exists(path))
        {
            return new ReleaseLog(path, []);
        }

        try
        {
            var root = JsonNode.Parse(File.ReadAllBytes(path))!.AsObject();
            var releases = new List<Release>();
            var index = 0;
            foreach (var node in root["releases"]!.AsArray())
            {
                var release = node!.AsObject();
                var items = new List<ReleaseItem>();
                foreach (var row in release["items"]!.AsArray())
                {
                    var cells = row!.AsArray();
                    if (cells.Count != 4)
                    {
                        throw new FormatException($"releases[{index}].items: a row of {cells.Count} values, not 4 (service, part, name, value)");
                    }

                    items.Add(new ReleaseItem(cells[0]!.GetValue<string>(), cells[1]!.GetValue<string>(), cells[2]!.GetValue<string>(), cells[3]!.GetValue<string>()));
                }

                releases.Add(new Release(release["version"]!.GetValue<string>(), release["package"]?.GetValue<string>() ?? "",
                    DateTimeOffset.Parse(release["imported"]!.GetValue<string>(), CultureInfo.InvariantCulture), items));
                index++;
            }

            return new ReleaseLog(path, releases);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NullReferenceException)
        {
            throw new InstallerException($"{path}: not a release log ({e.Message}); restore it from a backup, or move it away to start a new one (content it named then counts as pushed by people and is kept)");
        }
    }

    /// <summary>Adds what one import step stored to the release <paramref name="version"/> and makes it the latest; saves.</summary>
    public void Record(string version, string package, IEnumerable<ReleaseItem> items, DateTimeOffset now)
    {
        var existing = _releases.FindIndex(r => r.Version == version);
        var merged = new Dictionary<(string, string, string), ReleaseItem>();
        if (existing >= 0)
        {
            foreach (var item in _releases[existing].Items)
            {
                merged[item.Key] = item;
            }

            _releases.RemoveAt(existing);
        }

        foreach (var item in items)
        {
            merged[item.Key] = item;
        }

        _releases.Add(new Release(version, package, now, [.. merged.Values.OrderBy(i => i.Service, StringComparer.Ordinal).ThenBy(i => i.Part, StringComparer.Ordinal).ThenBy(i => i.Name, StringComparer.Ordinal)]));
        Save();
    }

    /// <summary>Forgets releases whose content was pruned (their items are no longer the node's to remove).</summary>
    public void Forget(IEnumerable<string> versions)
    {
        var gone = versions.ToHashSet(StringComparer.Ordinal);
        if (_releases.RemoveAll(r => gone.Contains(r.Version)) > 0)
        {
            Save();
        }
    }

    private void Save()
    {
        var releases = new JsonArray();
        foreach (var release in _releases)
        {
            var items = new JsonArray();
            foreach (var item in release.Items)
            {
                items.Add((JsonNode)Kindling.Artifacts.JsonTree.Strings([item.Service, item.Part, item.Name, item.Value]));
            }

            releases.Add((JsonNode)new JsonObject
            {
                ["version"] = release.Version,
                ["package"] = release.Package,
                ["imported"] = release.Imported.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
                ["items"] = items,
            });
        }

        DurableFile.WriteAllBytes(Path, Kindling.Artifacts.JsonTree.ToUtf8(new JsonObject { ["releases"] = releases }));
    }
}
