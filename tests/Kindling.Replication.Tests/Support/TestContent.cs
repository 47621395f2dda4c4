using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Kindling.Testing;

namespace Kindling.Replication.Tests.Support;

/// <summary>Charts and files put on a test node through its own APIs (ChartMuseum upload, S3 PUT with Basic), with curl.</summary>
internal static class TestContent
{
    /// <summary>A Helm chart archive (gzip tar, NAME/Chart.yaml and NAME/values.yaml).</summary>
    public static byte[] Chart(string name, string version, string values)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            foreach (var (file, text) in new[]
            {
                ("Chart.yaml", $"apiVersion: v2\nname: {name}\nversion: {version}\ndescription: test chart\n"),
                ("values.yaml", values),
            })
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"{name}/{file}") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
            }
        }

        return output.ToArray();
    }

    public static async Task UploadChartAsync(TestNode node, string directory, byte[] archive, bool force = false)
    {
        var path = Path.Combine(directory, $"chart-{Guid.NewGuid():N}.tgz");
        await File.WriteAllBytesAsync(path, archive);
        var result = await CurlAsync(["-sS", "-f", "--cacert", node.CaFile, "-u", node.Credentials, "-H", "Content-Type: application/gzip", "--data-binary", $"@{path}",
            $"{node.ChartsUrl}/api/charts{(force ? "?force" : "")}"]);
        Assert.True(result.ExitCode == 0, $"chart upload to {node}: {result}");
    }

    public static async Task PutFileAsync(TestNode node, string directory, string key, byte[] content)
    {
        var path = Path.Combine(directory, $"file-{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(path, content);
        var result = await CurlAsync(["-sS", "-f", "--cacert", node.CaFile, "-u", node.Credentials, "-T", path, $"{node.FilesUrl}/kubean/{Escape(key)}"]);
        Assert.True(result.ExitCode == 0, $"PUT {key} to {node}: {result}");
    }

    public static async Task DeleteFileAsync(TestNode node, string key)
    {
        var result = await CurlAsync(["-sS", "-f", "--cacert", node.CaFile, "-u", node.Credentials, "-X", "DELETE", $"{node.FilesUrl}/kubean/{Escape(key)}"]);
        Assert.True(result.ExitCode == 0, $"DELETE {key} on {node}: {result}");
    }

    public static async Task DeleteTagAsync(TestNode node, string repository, string tag)
    {
        var result = await CurlAsync(["-sS", "-f", "--cacert", node.CaFile, "-u", node.Credentials, "-X", "DELETE", $"{node.RegistryUrl}/v2/{repository}/manifests/{tag}"]);
        Assert.True(result.ExitCode == 0, $"DELETE {repository}:{tag} on {node}: {result}");
    }

    /// <summary>The MD5 (hex) of an object downloaded anonymously, or null when it is absent.</summary>
    public static async Task<string?> FileMd5Async(TestNode node, string key)
    {
        var output = Path.GetTempFileName();
        try
        {
            var result = await CurlAsync(["-sS", "-f", "--cacert", node.CaFile, "-o", output, $"{node.FilesUrl}/kubean/{Escape(key)}"]);
            return result.ExitCode == 0 ? Convert.ToHexStringLower(MD5.HashData(await File.ReadAllBytesAsync(output))) : null;
        }
        finally
        {
            File.Delete(output);
        }
    }

    /// <summary>GET /api/charts as (name version, digest) pairs.</summary>
    public static async Task<SortedDictionary<string, string>> ChartDigestsAsync(TestNode node)
    {
        var result = await CurlAsync(["-sS", "-f", "--cacert", node.CaFile, $"{node.ChartsUrl}/api/charts"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = System.Text.Json.JsonDocument.Parse(result.StdOut);
        var digests = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var chart in json.RootElement.EnumerateObject())
        {
            foreach (var version in chart.Value.EnumerateArray())
            {
                digests[$"{chart.Name} {version.GetProperty("version").GetString()}"] = version.GetProperty("digest").GetString()!;
            }
        }

        return digests;
    }

    private static string Escape(string key) => string.Join('/', key.Split('/').Select(Uri.EscapeDataString));

    private static Task<ProcessResult> CurlAsync(IEnumerable<string> args) =>
        ProcessRunner.RunAsync(Requires.Tool("curl", "curl"), args, TimeSpan.FromMinutes(1));
}
