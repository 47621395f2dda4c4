using Kindling.Artifacts.Charts;

namespace Kindling.Replication.Verify;

/// <summary>
/// Reads a Helm repository index (<c>index.yaml</c>, apiVersion v1) as helm does: entries by name, each version with
/// digest and urls. The node's answer is someone else's input: read within <see cref="Limits"/> (no recursion, aliases
/// counted as expanded), after the body itself was bounded by <see cref="Transfer.NodeRequests.MaxDocumentBytes"/>.
/// </summary>
internal static class ChartIndex
{
    /// <summary>An index nests each Chart.yaml four levels down; a node's index has no aliases, a hostile one's are bounded.</summary>
    public static readonly YamlLimits Limits = new(YamlLimits.Chart.MaxDepth + 8, 10_000_000, 256L * 1024 * 1024);

    public static IReadOnlyList<Charts.ChartVersion> Parse(string yaml, Uri url)
    {
        try
        {
            var (root, raw) = BoundedYaml.Read(yaml, url.ToString(), Limits);
            if (root is not Dictionary<string, object?> map || raw.GetValueOrDefault("apiVersion") != "v1")
            {
                throw new ReplicationException($"{url}: not a Helm repository index (apiVersion v1)");
            }

            var charts = new List<Charts.ChartVersion>();
            if (map.GetValueOrDefault("entries") is Dictionary<string, object?> byName)
            {
                foreach (var (name, versions) in byName)
                {
                    foreach (var entry in ((List<object?>)versions!).Cast<Dictionary<string, object?>>())
                    {
                        var urls = (List<object?>)entry["urls"]!;
                        charts.Add(new Charts.ChartVersion(name, Text(entry["version"]), Text(entry["digest"]), Text(urls[0])));
                    }
                }
            }

            return charts;
        }
        catch (YamlLimitException e)
        {
            throw new ReplicationException($"{url} does not load as a Helm repository index: {e.Message}", e);
        }
        catch (Exception e) when (e is InvalidCastException or KeyNotFoundException or ArgumentOutOfRangeException or NullReferenceException)
        {
            throw new ReplicationException($"{url} does not load as a Helm repository index: {e.Message}", e);
        }
    }

    private static string Text(object? value) => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
}
