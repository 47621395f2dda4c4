using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Installer;

/// <summary>-u tinder: a second package imported incrementally while clients keep pulling.</summary>
public class UpgradeTests(SamplePackageFixture package) : IClassFixture<SamplePackageFixture>
{
    /// <summary>A copy of the sample package with one more tag on an existing image, checksums and version updated.</summary>
    /// <summary>Writes NAME-VERSION.tgz beside <paramref name="archive"/>: the same chart with Chart.yaml's version changed.</summary>
    internal static (string Path, string Name) NewChartVersion(string archive, string version)
    {
        using var input = new System.IO.Compression.GZipStream(File.OpenRead(archive), System.IO.Compression.CompressionMode.Decompress);
        using var reader = new System.Formats.Tar.TarReader(input);
        var entries = new List<(string Name, byte[] Data)>();
        string? name = null;
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.DataStream is null)
            {
                continue;
            }

            using var buffer = new MemoryStream();
            entry.DataStream.CopyTo(buffer);
            var data = buffer.ToArray();
            if (entry.Name.EndsWith("/Chart.yaml", StringComparison.Ordinal))
            {
                var yaml = System.Text.Encoding.UTF8.GetString(data);
                name = System.Text.RegularExpressions.Regex.Match(yaml, @"(?m)^name:\s*(\S+)").Groups[1].Value;
                data = System.Text.Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(yaml, @"(?m)^version:.*$", $"version: {version}"));
            }

            entries.Add((entry.Name, data));
        }

        var path = Path.Combine(Path.GetDirectoryName(archive)!, $"{name}-{version}.tgz");
        using (var output = new System.IO.Compression.GZipStream(File.Create(path), System.IO.Compression.CompressionLevel.Optimal))
        using (var writer = new System.Formats.Tar.TarWriter(output))
        {
            foreach (var (entryName, data) in entries)
            {
                writer.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, entryName) { DataStream = new MemoryStream(data) });
            }
        }

        return (path, name!);
    }

    private static (string Package, string NewReference, string OldReference, string Chart) UpgradePackage(SamplePackageFixture sample, string work) =>
        ExtendPackage(sample.CopyTo(Path.Combine(work, "v2")));

    /// <summary>Turns the copy of a sample package at <paramref name="copy"/> into a release: one more tag on an existing image, a new chart version, VERSION and checksums updated.</summary>
    internal static (string Package, string NewReference, string OldReference, string Chart) ExtendPackage(string copy)
    {
        var offline = Path.Combine(copy, "offline");
        var indexPath = Path.Combine(offline, "images", "index.json");
        var index = JsonNode.Parse(File.ReadAllText(indexPath))!;
        var manifests = index["manifests"]!.AsArray();
        var first = manifests[0]!;
        var oldReference = first["annotations"]!["org.opencontainers.image.ref.name"]!.GetValue<string>();
        var newReference = oldReference[..oldReference.LastIndexOf(':')] + ":v9.9.9-upgrade";
        var added = first.DeepClone();
        added["annotations"]!["org.opencontainers.image.ref.name"] = newReference;
        manifests.Add(added);
        File.WriteAllText(indexPath, index.ToJsonString());
        File.WriteAllText(Path.Combine(offline, "VERSION"), "v0.0.2-upgrade\n");
        var chart = NewChartVersion(Directory.EnumerateFiles(Path.Combine(offline, "charts"), "*.tgz").Order().First(), "9.9.9");
        var checksums = Path.Combine(offline, "checksums.sha256");
        var lines = File.ReadAllLines(checksums).Select(line =>
        {
            var name = line[66..];
            return name is "images/index.json" or "VERSION"
                ? $"{Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(offline, name))))}  {name}"
                : line;
        });
        File.WriteAllLines(checksums, lines.Append($"{Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(chart.Path)))}  charts/{Path.GetFileName(chart.Path)}"));
        return (copy, newReference, oldReference, chart.Name);
    }

    [Fact]
    public async Task UpgradeTinder_NewTag_IsServedWithTheOldOnesAndRetryingClientsNeverFail()
    {
        Requires.Tool("skopeo", "skopeo");
        using var work = new TempDirectory();
        await using var node = new InstalledNode("127.0.41.193", package.Path);
        var installed = await node.InstallAsync();
        Assert.True(installed.ExitCode == 0, installed.ToString());
        var (v2, newReference, oldReference, chart) = UpgradePackage(package, work.Path);
        node.UsePackage(v2);

        using var client = Kindling.Installer.Service.NodeHealthCheck.CreateClient(X509CertificateLoader.LoadCertificateFromFile(node.CaCertificate), TimeSpan.FromSeconds(10));
        var repository = oldReference[..oldReference.LastIndexOf(':')];
        var url = $"https://{node.Registry}/v2/{repository}/tags/list";
        using var stop = new CancellationTokenSource();
        var failures = 0;
        var requests = 0;
        var clients = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var ok = false;
                for (var attempt = 0; attempt < 20 && !ok; attempt++)
                {
                    try
                    {
                        using var response = await client.GetAsync(url, TestContext.Current.CancellationToken);
                        ok = response.IsSuccessStatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        await Task.Delay(250, TestContext.Current.CancellationToken);
                    }
                }

                Interlocked.Increment(ref requests);
                if (!ok)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }, TestContext.Current.CancellationToken);

        var upgraded = await node.InstallAsync("-u", "tinder");
        await stop.CancelAsync();
        await clients;

        Assert.True(upgraded.ExitCode == 0, upgraded.ToString());
        // The running node was drained (healthz 503 draining) before the restart, which serves undrained. Here no
        // failover DNS moves the clients away, so the drain ends at its timeout, and the restart still fails nothing.
        var installLog = await File.ReadAllLinesAsync(node.LogFile, TestContext.Current.CancellationToken);
        Assert.True(installLog.Any(l => l.Contains("node drained in", StringComparison.Ordinal) || l.Contains("node not drained within", StringComparison.Ordinal)),
            "no drain before the restart:\n" + string.Join('\n', installLog.Where(l => l.Contains("drain", StringComparison.Ordinal) || l.Contains("service", StringComparison.Ordinal) || l.Contains("step", StringComparison.OrdinalIgnoreCase))));
        Assert.Contains("1 image(s) added, 0 changed,", upgraded.StdOut, StringComparison.Ordinal);
        Assert.Contains("CA kept", upgraded.StdOut, StringComparison.Ordinal);
        Assert.Contains("charts: 1 added, 0 changed, 2 unchanged", upgraded.StdOut, StringComparison.Ordinal);
        Assert.Contains("files: 0 added, 0 changed, 4 unchanged", upgraded.StdOut, StringComparison.Ordinal);
        Assert.Equal(0, failures);
        Assert.True(requests > 0);
        foreach (var reference in new[] { newReference, oldReference })
        {
            var inspect = await Skopeo.InspectRawAsync($"docker://{node.Registry}/{reference}", node.CertDir());
            Assert.True(inspect.ExitCode == 0, $"{reference}: {inspect}");
        }

        // helm sees the new chart version and the old ones, through the node's chart repository.
        var helm = Requires.Tool("helm", "helm (test.sh fetches it)");
        using var helmHome = new TempDirectory();
        var env = new Dictionary<string, string> { ["HELM_CACHE_HOME"] = helmHome.File("cache"), ["HELM_CONFIG_HOME"] = helmHome.File("config"), ["HELM_DATA_HOME"] = helmHome.File("data") };
        var added = await ProcessRunner.RunAsync(helm, ["repo", "add", "node", $"https://{node.Address}:{node.ChartsPort}", "--ca-file", node.CaCertificate], env: env);
        Assert.True(added.ExitCode == 0, added.ToString());
        var search = await ProcessRunner.RunAsync(helm, ["search", "repo", $"node/{chart}", "--versions"], env: env);
        Assert.Contains("9.9.9", search.StdOut, StringComparison.Ordinal);
        Assert.Contains("0.1.0", search.StdOut, StringComparison.Ordinal);

        // curl downloads a file the package carries, from bucket kubean on the files port.
        var curl = Requires.Tool("curl", "curl");
        var key = File.ReadLines(Path.Combine(v2, "offline", "checksums.sha256")).Select(l => l[66..]).First(n => n.StartsWith("files/", StringComparison.Ordinal))["files/".Length..];
        var file = await ProcessRunner.RunAsync(curl, ["-sS", "-f", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", node.CaCertificate, $"https://{node.Address}:{node.FilesPort}/kubean/{key}"]);
        Assert.True(file.ExitCode == 0 && file.StdOut.Trim() == "200", file.ToString());
    }
}
