using YamlDotNet.RepresentationModel;

namespace Kindling.Replication.Verify;

/// <summary>Reads a Helm repository index (<c>index.yaml</c>, apiVersion v1) as helm does: entries by name, each version with digest and urls.</summary>
internal static class ChartIndex
{
    public static IReadOnlyList<Charts.ChartVersion> Parse(string yaml, Uri url)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            var root = (YamlMappingNode)stream.Documents[0].RootNode;
            if (!root.Children.TryGetValue(new YamlScalarNode("apiVersion"), out var version) || version.ToString() != "v1")
            {
                throw new ReplicationException($"{url}: not a Helm repository index (apiVersion v1)");
            }

            var charts = new List<Charts.ChartVersion>();
            if (root.Children.TryGetValue(new YamlScalarNode("entries"), out var entries) && entries is YamlMappingNode byName)
            {
                foreach (var (name, versions) in byName.Children)
                {
                    foreach (var entry in ((YamlSequenceNode)versions).Children.Cast<YamlMappingNode>())
                    {
                        var urls = (YamlSequenceNode)entry.Children[new YamlScalarNode("urls")];
                        charts.Add(new Charts.ChartVersion(name.ToString(), entry.Children[new YamlScalarNode("version")].ToString(),
                            entry.Children[new YamlScalarNode("digest")].ToString(), urls.Children[0].ToString()));
                    }
                }
            }

            return charts;
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or InvalidCastException or KeyNotFoundException or ArgumentOutOfRangeException or InvalidOperationException)
        {
            throw new ReplicationException($"{url} does not load as a Helm repository index: {e.Message}", e);
        }
    }
}
