using System.Text.Json;
using Kindling.Artifacts.Content;
using Kindling.Replication.Sync;

namespace Kindling.Replication.Continuous;

/// <summary>
/// What the backup and its source last held in common (the base of a three-way comparison), by content item:
/// a tag's manifest digest, a chart version's archive digest, an object's MD5. Kept in
/// <c>DATA/replication/base.json</c> (written by temp + rename). An item whose local value differs from the base
/// changed here since (a push while the backup was active) and is copied back to the source, replacing; an
/// item absent from the base is copied back only where the source lacks it; an item equal to the base is the
/// source's to change.
/// </summary>
internal sealed class ReplicationBase
{
    private readonly string _path;
    private Dictionary<ContentItem, string> _items;

    private ReplicationBase(string path, Dictionary<ContentItem, string> items, bool exists)
    {
        _path = path;
        _items = items;
        Exists = exists;
    }

    /// <summary>False until a first round has recorded one: then every local item counts as new.</summary>
    public bool Exists { get; private set; }

    public int Count => _items.Count;

    public static ReplicationBase Load(string path)
    {
        var items = new Dictionary<ContentItem, string>();
        if (!File.Exists(path))
        {
            return new ReplicationBase(path, items, exists: false);
        }

        try
        {
            foreach (var row in JsonSerializer.Deserialize(File.ReadAllBytes(path), BaseJson.Default.StringArrayArray) ?? [])
            {
                if (row.Length == 4 && Kind(row[0]) is { } kind)
                {
                    items[new ContentItem(kind, row[1], row[2])] = row[3];
                }
            }
        }
        catch (JsonException)
        {
            // A damaged base is treated as none: only additions flow back, nothing is overwritten.
            return new ReplicationBase(path, [], exists: false);
        }

        return new ReplicationBase(path, items, exists: true);
    }

    /// <summary>Local items that changed since the base (copy back, replacing) and those the base does not know (copy back where missing).</summary>
    public (HashSet<ContentItem> Changed, HashSet<ContentItem> Added) LocalChanges(IEnumerable<(string Service, string Part, string Name, string Value)> local)
    {
        var changed = new HashSet<ContentItem>();
        var added = new HashSet<ContentItem>();
        foreach (var (service, part, name, value) in local)
        {
            if (Kind(service) is not { } kind)
            {
                continue;
            }

            var item = new ContentItem(kind, part, name);
            if (!_items.TryGetValue(item, out var known))
            {
                added.Add(item);
            }
            else if (known != value)
            {
                changed.Add(item);
            }
        }

        return (changed, added);
    }

    /// <summary>The source and this node hold the same: the base becomes this content.</summary>
    public void ReplaceWith(IEnumerable<(string Service, string Part, string Name, string Value)> local)
    {
        _items = local.Where(e => Kind(e.Service) is not null).ToDictionary(e => new ContentItem(Kind(e.Service)!.Value, e.Part, e.Name), e => e.Value);
        Exists = true;
    }

    /// <summary>Items both sides now hold with the same value (copied one way or the other in this round).</summary>
    public void Record(IEnumerable<SyncChange> changes)
    {
        foreach (var change in changes)
        {
            if (change.To is not null)
            {
                _items[change.Item] = change.To;
            }
        }

        Exists = true;
    }

    public void Save()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var rows = _items.OrderBy(i => i.Key.Service, StringComparer.Ordinal).ThenBy(i => i.Key.Part, StringComparer.Ordinal).ThenBy(i => i.Key.Entry, StringComparer.Ordinal)
            .Select(i => new[] { i.Key.Service, i.Key.Part, i.Key.Entry, i.Value }).ToArray();
        DurableFile.Write(_path, file => JsonSerializer.Serialize(file, rows, BaseJson.Default.StringArrayArray));
    }

    private static ContentKind? Kind(string service) => ContentKinds.FromService(service);
}

/// <summary>The base file's rows (service, part, entry, value), serialized without reflection (the CLI is compiled ahead of time).</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(string[][]))]
internal sealed partial class BaseJson : System.Text.Json.Serialization.JsonSerializerContext;
