using Kindling.Artifacts.Charts;

namespace Kindling.Artifacts.Content;

/// <summary>
/// Feeds the chart repository into the <see cref="ContentDigest"/>: part = chart name, entry = version to the
/// archive's digest. <c>index.yaml</c> is not hashed: its <c>created</c> times differ between nodes holding the
/// same archives.
/// </summary>
internal static class ChartContent
{
    public static readonly string Service = ContentKind.Charts.Service();

    public static void Track(ChartStore charts, ContentDigest content)
    {
        charts.ChartChanged += (name, version, digest) => content.Set(Service, name, version, digest?.Value);
        foreach (var (name, versions) in charts.All())
        {
            foreach (var chart in versions)
            {
                content.Set(Service, name, chart.Metadata.Version, chart.Digest.Value);
            }
        }
    }
}
