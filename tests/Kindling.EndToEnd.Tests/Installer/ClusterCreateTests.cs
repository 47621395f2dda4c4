using System.Security.Cryptography;
using System.Text;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Installer;

/// <summary>cluster-create for real: a sample package installed on 127.0.41.193, checked with skopeo.</summary>
public class ClusterCreateTests(SamplePackageFixture package) : IClassFixture<SamplePackageFixture>
{
    private const string Steps = "1+";

    private static async Task<string> RawManifestDigest(InstalledNode node, string reference)
    {
        var raw = await Skopeo.InspectRawAsync($"docker://{node.Registry}/{reference}", node.CertDir());
        Assert.True(raw.ExitCode == 0, raw.ToString());
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(raw.StdOut.TrimEnd('\n'))));
    }

    [Fact]
    public async Task ClusterCreate_SamplePackage_ServesEveryImageAndASecondRunImportsNothing()
    {
        Requires.Tool("skopeo", "skopeo");
        await using var node = new InstalledNode("127.0.41.193", package.Path);

        var first = await node.InstallAsync("-j", Steps);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("image(s) added, 0 changed, 0 unchanged", first.StdOut, StringComparison.Ordinal);

        foreach (var (reference, digest) in InstalledNode.PackageImages(package.Path))
        {
            Assert.Equal(digest, await RawManifestDigest(node, reference));
        }

        var second = await node.InstallAsync("-j", Steps);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains($"0 image(s) added, 0 changed, {InstalledNode.PackageImages(package.Path).Count} unchanged; 0 blob(s) copied", second.StdOut, StringComparison.Ordinal);
        Assert.Contains("CA kept", second.StdOut, StringComparison.Ordinal);
        Assert.Contains("files: 0 added, 0 changed, 4 unchanged", second.StdOut, StringComparison.Ordinal);
        Assert.Contains("charts: 0 added, 0 changed, 2 unchanged", second.StdOut, StringComparison.Ordinal);
        Assert.Contains("0 added, 0 changed, 5 unchanged", second.StdOut, StringComparison.Ordinal); // os-pkgs
        Assert.Contains("server certificate kept", second.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClusterCreate_KilledDuringImagesStep_RerunCompletesWithEveryBlobIntact()
    {
        Requires.Tool("skopeo", "skopeo");
        await using var node = new InstalledNode("127.0.41.193", package.Path);
        using (var install = BackgroundProcess.Start(Repository.KindlingScript,
            ["cluster-create", "-c", node.ConfigPath, "-t", node.Address, "--data", node.DataDir, "--hosts-file", node.HostsFile, "--dns", "127.0.0.1:9", "-l", node.LogFile, "-j", Steps]))
        {
            await install.WaitForOutputAsync("step 5:", TimeSpan.FromMinutes(2));
            install.Signal(9);
            await install.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        var rerun = await node.InstallAsync("-j", Steps);

        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(node.DataDir, "store", "tmp")));
        foreach (var (reference, digest) in InstalledNode.PackageImages(package.Path))
        {
            Assert.Equal(digest, await RawManifestDigest(node, reference));
            using var copy = new TempDirectory();
            var pulled = await Skopeo.CopyAsync($"docker://{node.Registry}/{reference}", $"oci:{copy.Path}:x", node.CertDir(), null, "--all");
            Assert.True(pulled.ExitCode == 0, $"{reference}: {pulled}");
        }
    }

    public static TheoryData<string, string> BadPackages => new()
    {
        { "missing folder", "missing" },
        { "blob digest mismatch", "corrupt-blob" },
        { "truncated tar", "truncated-tar" },
        { "index names a missing manifest", "missing-manifest" },
        { "chart with an invalid Chart.yaml", "bad-chart" },
        { "ISO that is not an ISO", "not-an-iso" },
    };

    [Theory]
    [MemberData(nameof(BadPackages))]
    public async Task ClusterCreate_BadPackage_FailsNamingTheFileAndImportsNothing(string name, string breakage)
    {
        using var work = new TempDirectory();
        var copy = package.CopyTo(Path.Combine(work.Path, "pkg"));
        var offline = Path.Combine(copy, "offline");
        var expected = Break(copy, offline, breakage);
        await using var node = new InstalledNode("127.0.41.193", copy);

        var result = await node.InstallAsync("-j", "1,2,3,5");

        Assert.True(result.ExitCode == 1, $"{name}: {result}");
        Assert.Contains(expected, result.StdErr, StringComparison.Ordinal);
        var registry = Path.Combine(node.DataDir, "store", "registry");
        Assert.False(Directory.Exists(registry) && Directory.EnumerateFileSystemEntries(registry).Any(), $"{name}: something was imported");
    }

    /// <summary>Breaks a copy of the package; returns what the error must name.</summary>
    private static string Break(string copy, string offline, string breakage)
    {
        switch (breakage)
        {
            case "missing":
                Directory.Delete(offline, recursive: true);
                return offline;
            case "corrupt-blob":
            {
                var blob = Directory.EnumerateFiles(Path.Combine(offline, "images", "blobs", "sha256")).OrderByDescending(f => new FileInfo(f).Length).First();
                var bytes = File.ReadAllBytes(blob);
                bytes[bytes.Length / 2] ^= 0xFF;
                File.WriteAllBytes(blob, bytes);
                return Path.GetFileName(blob);
            }

            case "truncated-tar":
            {
                var tar = Path.Combine(offline, "offline-files.tar.gz");
                var bytes = File.ReadAllBytes(tar);
                File.WriteAllBytes(tar, bytes[..(bytes.Length / 2)]);
                return "offline-files.tar.gz";
            }

            case "missing-manifest":
            {
                var index = Path.Combine(offline, "images", "index.json");
                var text = File.ReadAllText(index);
                var digest = System.Text.RegularExpressions.Regex.Match(text, "sha256:[0-9a-f]{64}").Value;
                File.Delete(Path.Combine(offline, "images", "blobs", "sha256", digest[7..]));
                return digest[7..];
            }

            case "bad-chart":
            {
                var chart = Directory.EnumerateFiles(Path.Combine(offline, "charts"), "*.tgz").First();
                using (var output = File.Create(chart))
                using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest))
                using (var tar = new System.Formats.Tar.TarWriter(gzip))
                {
                    var entry = new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "broken/Chart.yaml")
                    {
                        DataStream = new MemoryStream(Encoding.UTF8.GetBytes("apiVersion: v2\nname: broken\n")),
                    };
                    tar.WriteEntry(entry);
                }

                return "Chart.yaml: version is missing";
            }

            case "not-an-iso":
            {
                var iso = Path.Combine(copy, "CentOS-7-x86_64-sample.iso");
                File.WriteAllText(iso, "this is not an ISO 9660 image\n");
                return iso;
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(breakage));
        }
    }
}
