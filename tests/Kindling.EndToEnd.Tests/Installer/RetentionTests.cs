using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Installer;

/// <summary>
/// Retention across upgrades: two upgrades with <c>-u tinder --prune --keep-releases 1 --prune-peer BACKUP</c> on a
/// primary whose backup follows it (<c>--replicate-from</c>): the first release's content is gone from both nodes, an
/// image pushed by hand stays on both, and <c>kindling verify</c> finds both serving the same content.
/// </summary>
public class RetentionTests(SamplePackageFixture package, ITestOutputHelper output) : IClassFixture<SamplePackageFixture>
{
    /// <summary>
    /// A copy of the sample package as release <paramref name="n"/>: every image tag, chart version and file key of its
    /// own (tags get "-rN", charts version N.0.0, files move under "rN/"; offline-files.tar.gz is left out), the same
    /// image content, VERSION v0.0.N and checksums rewritten.
    /// </summary>
    internal static string MakeRelease(SamplePackageFixture sample, string destination, int n)
    {
        var copy = sample.CopyTo(destination);
        var offline = Path.Combine(copy, "offline");
        var indexPath = Path.Combine(offline, "images", "index.json");
        var index = JsonNode.Parse(File.ReadAllText(indexPath))!;
        foreach (var entry in index["manifests"]!.AsArray())
        {
            var annotations = entry!["annotations"]!;
            annotations["org.opencontainers.image.ref.name"] = annotations["org.opencontainers.image.ref.name"]!.GetValue<string>() + $"-r{n}";
        }

        File.WriteAllText(indexPath, index.ToJsonString());
        foreach (var chart in Directory.GetFiles(Path.Combine(offline, "charts"), "*.tgz"))
        {
            UpgradeTests.NewChartVersion(chart, $"{n}.0.0");
            File.Delete(chart);
        }

        var files = Path.Combine(offline, "files");
        var moved = Path.Combine(offline, $"files-r{n}");
        Directory.Move(files, moved);
        Directory.CreateDirectory(files);
        Directory.Move(moved, Path.Combine(files, $"r{n}"));
        File.Delete(Path.Combine(offline, "offline-files.tar.gz"));
        File.WriteAllText(Path.Combine(offline, "VERSION"), $"v0.0.{n}\n");
        var lines = Directory.EnumerateFiles(offline, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(offline, f))
            .Where(f => f != "checksums.sha256")
            .Order(StringComparer.Ordinal)
            .Select(f => $"{Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(offline, f))))}  {f}");
        File.WriteAllLines(Path.Combine(offline, "checksums.sha256"), lines);
        return copy;
    }

    /// <summary>What a package brought, as the node's content digest names it: (service, part, name).</summary>
    private static List<(string Service, string Part, string Name)> Brought(string packageDir)
    {
        var offline = Path.Combine(packageDir, "offline");
        var items = InstalledNode.PackageImages(packageDir).Select(i => ("registry", i.Reference[..i.Reference.LastIndexOf(':')], i.Reference[(i.Reference.LastIndexOf(':') + 1)..])).ToList();
        foreach (var chart in Directory.GetFiles(Path.Combine(offline, "charts"), "*.tgz").Select(Path.GetFileNameWithoutExtension))
        {
            var dash = chart!.LastIndexOf('-');
            items.Add(("charts", chart[..dash], chart[(dash + 1)..]));
        }

        var filesRoot = Path.Combine(offline, "files");
        items.AddRange(Directory.EnumerateFiles(filesRoot, "*", SearchOption.AllDirectories).Select(f => ("files", "kubean", Path.GetRelativePath(filesRoot, f))));
        if (File.Exists(Path.Combine(offline, "offline-files.tar.gz")))
        {
            using var gzip = new System.IO.Compression.GZipStream(File.OpenRead(Path.Combine(offline, "offline-files.tar.gz")), System.IO.Compression.CompressionMode.Decompress);
            using var tar = new System.Formats.Tar.TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is System.Formats.Tar.TarEntryType.RegularFile or System.Formats.Tar.TarEntryType.V7RegularFile)
                {
                    items.Add(("files", "kubean", entry.Name["offline-files/".Length..]));
                }
            }
        }

        return items;
    }

    private static async Task<IReadOnlyDictionary<string, string>> EntriesAsync(HttpClient client, InstalledNode node, string service, string part)
    {
        using var response = await client.GetAsync($"https://{node.Registry}/kindling/v1/content-digest?service={service}&part={Uri.EscapeDataString(part)}", TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return json.RootElement.TryGetProperty("entries", out var entries)
            ? entries.EnumerateObject().ToDictionary(e => e.Name, e => e.Value.GetString()!, StringComparer.Ordinal)
            : new Dictionary<string, string>();
    }

    private static async Task<List<string>> HeldAsync(HttpClient client, InstalledNode node, IEnumerable<(string Service, string Part, string Name)> items)
    {
        var held = new List<string>();
        foreach (var group in items.GroupBy(i => (i.Service, i.Part)))
        {
            var entries = await EntriesAsync(client, node, group.Key.Service, group.Key.Part);
            held.AddRange(group.Where(i => entries.ContainsKey(i.Name)).Select(i => $"{i.Service} {i.Part} {i.Name}"));
        }

        return held;
    }

    private static async Task<ProcessResult> VerifyAsync(InstalledNode primary, InstalledNode backup, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var verify = await ProcessRunner.KindlingAsync("verify", "--node", $"https://{primary.Registry}", "--node", $"https://{backup.Registry}", "--ca", primary.CaCertificate);
            if (verify.ExitCode == 0 || DateTime.UtcNow > deadline)
            {
                return verify;
            }

            await Task.Delay(2000, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task UpgradeTwice_PruneKeepOne_FirstReleaseGoneFromBothNodes_HandPushedKept_VerifyPasses()
    {
        var skopeo = Requires.Tool("skopeo", "skopeo");
        using var work = new TempDirectory("kindling-retention");
        var r2 = MakeRelease(package, work.File("r2"), 2);
        var r3 = MakeRelease(package, work.File("r3"), 3);
        await using var primary = new InstalledNode("127.0.47.193", package.Path);
        await using var backup = new InstalledNode("127.0.47.194", package.Path);
        var installed = await primary.InstallAsync();
        Assert.True(installed.ExitCode == 0, installed.ToString());
        var carried = work.File("ca");
        var exported = await ProcessRunner.KindlingAsync("ca", "export", "--data", primary.DataDir, "--with-key", "--out", carried);
        Assert.True(exported.ExitCode == 0, exported.ToString());
        var primaryCredentials = work.Write("primary-credentials", File.ReadAllText(Path.Combine(primary.DataDir, "admin-credentials")));
        var activated = await backup.InstallAsync("-j", "1,2,3,4,5", "--ca-from", carried,
            "--replicate-from", $"https://{primary.Registry}", "--replicate-credentials", primaryCredentials, "--replicate-interval", "15s");
        Assert.True(activated.ExitCode == 0, activated.ToString());

        // An image pushed by hand (not from a package) to the primary; replication takes it to the backup.
        var handPushed = "library/handpushed:1.0";
        var (firstReference, _) = InstalledNode.PackageImages(package.Path)[0];
        var pushed = await ProcessRunner.RunAsync(skopeo, ["copy", "--dest-cert-dir", primary.CertDir(), "--dest-creds", File.ReadAllText(primaryCredentials).Trim(),
            $"oci:{Path.Combine(package.Path, "offline", "images")}:{firstReference}", $"docker://{primary.Registry}/{handPushed}"]);
        Assert.True(pushed.ExitCode == 0, pushed.ToString());

        using var client = Kindling.Installer.Service.NodeHealthCheck.CreateClient(X509CertificateLoader.LoadCertificateFromFile(primary.CaCertificate), TimeSpan.FromSeconds(10));
        var first = Brought(package.Path);
        var second = Brought(r2);
        var third = Brought(r3);
        Assert.Equal(first.Count, (await HeldAsync(client, primary, first)).Count);
        var backupCredentials = Path.Combine(backup.DataDir, "admin-credentials");
        var prunes = new List<ProcessResult>();
        foreach (var release in new[] { r2, r3 })
        {
            primary.UsePackage(release);
            var upgraded = await primary.InstallAsync("-u", "tinder", "--prune", "--keep-releases", "1",
                "--prune-peer", $"https://{backup.Registry}", "--prune-peer-credentials", backupCredentials);
            Assert.True(upgraded.ExitCode == 0, upgraded.ToString());
            prunes.Add(upgraded);
        }

        output.WriteLine(string.Join("\n", prunes.Select(p => string.Join("\n", p.StdOut.Split('\n').Where(l => l.Contains("prune", StringComparison.Ordinal))))));
        Assert.Contains("prune: removed", prunes[0].StdOut, StringComparison.Ordinal);
        Assert.Contains("prune of the peer", prunes[0].StdOut, StringComparison.Ordinal);

        // The backup follows: it holds the third release once replication copied it.
        var verify = await VerifyAsync(primary, backup, TimeSpan.FromSeconds(90));
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains("same content", verify.StdOut, StringComparison.Ordinal);
        foreach (var node in new[] { primary, backup })
        {
            Assert.Equal([], await HeldAsync(client, node, first));
            Assert.Equal([], await HeldAsync(client, node, second));
            Assert.Equal(third.Count, (await HeldAsync(client, node, third)).Count);
            Assert.Equal(["registry library/handpushed 1.0"], await HeldAsync(client, node, [("registry", "library/handpushed", "1.0")]));
            var pulled = await ProcessRunner.RunAsync(skopeo, ["inspect", "--raw", "--cert-dir", primary.CertDir(), $"docker://{node.Registry}/{handPushed}"]);
            Assert.True(pulled.ExitCode == 0, $"{node}: {pulled}");
            var gone = await ProcessRunner.RunAsync(skopeo, ["inspect", "--raw", "--cert-dir", primary.CertDir(), $"docker://{node.Registry}/{firstReference}"]);
            Assert.True(gone.ExitCode != 0, $"{node} still serves {firstReference}");
        }

        // The OS packages came with every release (step 3): kept.
        Assert.Contains((await EntriesAsync(client, primary, "files", "kubean")).Keys, k => k.StartsWith("centos/7/os/", StringComparison.Ordinal));

        // The record keeps the last release only; a dry run now lists nothing to remove.
        var dry = await ProcessRunner.KindlingAsync("node", "prune", "--data", primary.DataDir, "--keep-releases", "1", "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains("would remove 0 tag(s)", dry.StdOut, StringComparison.Ordinal);
        Assert.Contains("kept release(s) v0.0.3", dry.StdOut, StringComparison.Ordinal);
    }
}
