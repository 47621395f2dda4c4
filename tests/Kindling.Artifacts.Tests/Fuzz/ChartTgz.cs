using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Kindling.Artifacts.Tests.Fuzz;

/// <summary>A chart archive as <c>helm package</c> lays it out: CHART/Chart.yaml in a gzip tar.</summary>
internal static class ChartTgz
{
    public static byte[] Of(string chartYaml) => Of(Encoding.UTF8.GetBytes(chartYaml));

    public static byte[] Of(byte[] chartYaml)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar))
        {
            tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "chart/Chart.yaml") { DataStream = new MemoryStream(chartYaml) });
        }

        return buffer.ToArray();
    }
}
