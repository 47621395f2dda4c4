using Kindling.Artifacts.Content;
using Kindling.Replication.Nodes;

namespace Kindling.Replication.Verify;

/// <summary>
/// Compares the content digests every target publishes; when they differ, walks down to what differs: the
/// services, then the parts (repositories, charts, buckets) whose digests differ, then in each such part the
/// entries (tags, chart versions, keys) whose values differ, so the report names the tag that is not the same.
/// </summary>
internal static class ContentCompare
{
    public static async Task<ContentComparison> RunAsync(HttpClient http, IReadOnlyList<(string Name, NodeEndpoints Node)> targets, CancellationToken cancellationToken)
    {
        var (digests, problems) = await FetchDigestsAsync(http, targets, cancellationToken);
        var shown = digests.ToDictionary(d => d.Key, d => d.Value?.Digest, StringComparer.Ordinal);
        if (problems.Count > 0)
        {
            return new ContentComparison(CheckStatus.Failed, string.Join("; ", problems), shown, []);
        }

        if (targets.Count < 2)
        {
            return new ContentComparison(CheckStatus.Skipped, "one target only: nothing to compare", shown, []);
        }

        var snapshots = digests.ToDictionary(d => d.Key, d => d.Value!, StringComparer.Ordinal);
        if (snapshots.Values.Select(s => s.Digest).Distinct(StringComparer.Ordinal).Count() == 1)
        {
            return new ContentComparison(CheckStatus.Ok, $"every target serves the same content: {snapshots.Values.First().Digest}", shown, []);
        }

        var byName = targets.ToDictionary(t => t.Name, t => t.Node, StringComparer.Ordinal);
        var differences = new List<ContentDifference>();
        foreach (var service in snapshots.Values.SelectMany(s => s.Services.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            differences.AddRange(await ServiceDifferencesAsync(http, byName, snapshots, service, cancellationToken));
        }

        var names = string.Join(", ", snapshots.Select(s => $"{s.Key} {s.Value.Digest}"));
        return new ContentComparison(CheckStatus.Failed, $"the targets serve different content ({names}); {differences.Count} difference(s)", shown, differences);
    }

    /// <summary>Every target's content digest (null where it publishes none or cannot be read), and the problems that make the comparison fail.</summary>
    private static async Task<(Dictionary<string, ContentDigestSnapshot?> Digests, List<string> Problems)> FetchDigestsAsync(
        HttpClient http, IReadOnlyList<(string Name, NodeEndpoints Node)> targets, CancellationToken cancellationToken)
    {
        var digests = new Dictionary<string, ContentDigestSnapshot?>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (name, node) in targets)
        {
            try
            {
                digests[name] = await ContentDigestClient.FetchAsync(http, node, cancellationToken);
                if (digests[name] is null)
                {
                    problems.Add($"{name} publishes no content digest");
                }
            }
            catch (ReplicationException e)
            {
                digests[name] = null;
                problems.Add(e.Message);
            }
        }

        return (digests, problems);
    }

    /// <summary>What differs in one service: the entries of each part whose digests differ, else the service itself when only its digest differs.</summary>
    private static async Task<List<ContentDifference>> ServiceDifferencesAsync(HttpClient http, Dictionary<string, NodeEndpoints> byName,
        Dictionary<string, ContentDigestSnapshot> snapshots, string service, CancellationToken cancellationToken)
    {
        var differences = new List<ContentDifference>();
        var parts = snapshots.Values.SelectMany(s => s.Services.TryGetValue(service, out var d) ? d.Parts.Keys : []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var part in parts)
        {
            var values = snapshots.ToDictionary(s => s.Key, s => s.Value.Services.TryGetValue(service, out var d) ? d.Parts.GetValueOrDefault(part) : null, StringComparer.Ordinal);
            if (values.Values.Distinct(StringComparer.Ordinal).Count() == 1)
            {
                continue;
            }

            differences.AddRange(await EntriesAsync(http, byName, service, part, values, cancellationToken));
        }

        var serviceDigests = snapshots.ToDictionary(s => s.Key, s => s.Value.Services.TryGetValue(service, out var d) ? d.Digest : null, StringComparer.Ordinal);
        if (serviceDigests.Values.Distinct(StringComparer.Ordinal).Count() > 1 && differences.Count == 0)
        {
            // The node names buckets other than the public one to its admin only; their content still counts.
            differences.Add(new ContentDifference(service, "(buckets not listed to anonymous callers)", null, serviceDigests));
        }

        return differences;
    }

    /// <summary>The entries of one part that differ between targets, or the part itself when its entries cannot be read.</summary>
    private static async Task<IEnumerable<ContentDifference>> EntriesAsync(HttpClient http, Dictionary<string, NodeEndpoints> targets, string service, string part,
        Dictionary<string, string?> partDigests, CancellationToken cancellationToken)
    {
        var entries = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, node) in targets)
            {
                entries[name] = partDigests[name] is null ? new Dictionary<string, string>() : await ContentDigestClient.EntriesAsync(http, node, service, part, cancellationToken);
            }
        }
        catch (ReplicationException)
        {
            // A bucket that is not public lists its keys to the admin only: name the part.
            return [new ContentDifference(service, part, null, partDigests)];
        }

        return entries.Values.SelectMany(e => e.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(key => (key, values: entries.ToDictionary(e => e.Key, e => e.Value.TryGetValue(key, out var v) ? v : null, StringComparer.Ordinal)))
            .Where(e => e.values.Values.Distinct(StringComparer.Ordinal).Count() > 1)
            .Select(e => new ContentDifference(service, part, e.key, e.values));
    }
}
