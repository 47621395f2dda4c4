using System.Text.Json;
using Kindling.Installer.Package;
using Kindling.Installer.Package.Sample;
using Kindling.Testing;
using Kindling.Artifacts.Storage;

namespace Kindling.Installer.Tests.Package;

/// <summary>
/// Each damage a package can carry gives a clear problem naming the file (and digest), never an exception. Where the
/// damage would also break checksums.sha256, the list is rewritten first, so the check under test is the one that
/// must catch it.
/// </summary>
public sealed class BadPackageTests : IDisposable
{
    private readonly TempDirectory _temp = new("kindling-bad");
    private readonly SamplePackageResult _sample;

    public BadPackageTests() => _sample = SamplePackage.Write(_temp.Path, SampleSize.Small);

    private string Dir => _sample.PackageDir;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Open_MissingFolder_NamesTheFolder()
    {
        var missing = Path.Combine(_temp.Path, "no-such-package");

        var e = Assert.Throws<PackageException>(() => OfflinePackage.Open(missing));

        Assert.StartsWith($"{missing}: no such folder", e.Message);
    }

    [Fact]
    public void Verify_LayerBlobWithWrongContent_NamesTheBlobAndItsDigest()
    {
        var package = OfflinePackage.Open(Dir);
        var layer = FirstLayer(package);
        var path = package.BlobPath(layer);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        PackageChecksums.Write(Dir);

        var problem = Assert.Single(OfflinePackage.Open(Dir).Verify().Problems);

        Assert.Equal($"images/blobs/sha256/{layer.Hex}", problem.File);
        Assert.Contains($"does not match its digest {layer}", problem.Message);
    }

    [Fact]
    public void Verify_FileChangedAfterChecksums_NamesFileAndChecksumLine()
    {
        var kubeadm = Path.Combine(Dir, "files", "dl.k8s.io", "release", "v1.29.5", "bin", "linux", "amd64", "kubeadm");
        File.AppendAllText(kubeadm, "tampered\n");

        var problem = Assert.Single(OfflinePackage.Open(Dir).Verify().Problems);

        Assert.Equal("files/dl.k8s.io/release/v1.29.5/bin/linux/amd64/kubeadm", problem.File);
        Assert.Matches(@"but checksums\.sha256:\d+ says [0-9a-f]{64}", problem.Message);
    }

    [Fact]
    public void Verify_TruncatedOfflineFilesArchive_SaysTruncated()
    {
        Truncate(Path.Combine(Dir, PackageLayout.OfflineFilesArchive), keep: 0.6);
        PackageChecksums.Write(Dir);

        var problems = OfflinePackage.Open(Dir).Verify().Problems;

        var problem = Assert.Single(problems, p => p.File == PackageLayout.OfflineFilesArchive);
        Assert.Contains("truncated", problem.Message);
    }

    [Fact]
    public void Verify_ArchiveCutAtTheEnd_IsCaughtByTheGzipTrailer()
    {
        // Cutting only the last bytes leaves every tar entry readable: only the gzip trailer check can tell.
        Truncate(Path.Combine(Dir, PackageLayout.OfflineFilesArchive), keepBytes: new FileInfo(Path.Combine(Dir, PackageLayout.OfflineFilesArchive)).Length - 4);
        PackageChecksums.Write(Dir);

        var problem = Assert.Single(OfflinePackage.Open(Dir).Verify().Problems);

        Assert.Equal(PackageLayout.OfflineFilesArchive, problem.File);
        Assert.Contains("truncated", problem.Message);
    }

    [Fact]
    public void Verify_IndexNamingAMissingManifest_NamesTheBlobAndTheImage()
    {
        var package = OfflinePackage.Open(Dir);
        var image = package.Images.First(i => i.Descriptor.IsManifest);
        File.Delete(package.BlobPath(image.Descriptor.Digest));
        PackageChecksums.Write(Dir);

        var problem = Assert.Single(OfflinePackage.Open(Dir).Verify().Problems);

        Assert.Equal($"images/blobs/sha256/{image.Descriptor.Digest.Hex}", problem.File);
        Assert.Contains("missing", problem.Message);
        Assert.Contains(image.Reference, problem.Message);
    }

    [Fact]
    public void Verify_ChartWithInvalidChartYaml_NamesTheChartAndLine()
    {
        var chart = Path.Combine(Dir, "charts", "broken-0.1.0.tgz");
        using (var file = File.Create(chart))
        using (var tar = new TarGzWriter(file))
        {
            tar.AddText("broken/Chart.yaml", "apiVersion: v2\nname: broken\nversion: [not, a, version\n");
        }

        PackageChecksums.Write(Dir);

        var problem = Assert.Single(OfflinePackage.Open(Dir).Verify().Problems);

        Assert.Equal("charts/broken-0.1.0.tgz", problem.File);
        Assert.Contains("broken/Chart.yaml:", problem.Message);
        Assert.Contains("invalid YAML", problem.Message);
    }

    [Fact]
    public void Verify_ChartYaml100000LevelsDeep_ReportedWithTheNodesLimit_NoCrash()
    {
        var chart = Path.Combine(Dir, "charts", "deep-0.1.0.tgz");
        using (var file = File.Create(chart))
        using (var tar = new TarGzWriter(file))
        {
            tar.AddText("deep/Chart.yaml", "apiVersion: v2\nname: deep\nversion: 0.1.0\nx: " + new string('[', 100_000) + new string(']', 100_000) + "\n");
        }

        PackageChecksums.Write(Dir);

        var problem = Assert.Single(OfflinePackage.Open(Dir).Verify().Problems);

        Assert.Equal("charts/deep-0.1.0.tgz", problem.File);
        Assert.Contains("deep/Chart.yaml:4: nested deeper than 64 levels", problem.Message);
    }

    [Theory]
    [InlineData("apiVersion: v2\nname: nover\n", "version is missing")]
    [InlineData("apiVersion: v2\nname: bad\nversion: one.two\n", "not a SemVer 2 version")]
    [InlineData("name: old\nversion: 1.0.0\n", "apiVersion is missing")]
    [InlineData("apiVersion: v2\nname: ../escape\nversion: 1.0.0\n", "characters a chart name cannot have")]
    public void Verify_ChartYamlWithoutRequiredFields_SaysWhich(string chartYaml, string expected)
    {
        var chart = Path.Combine(Dir, "charts", "bad.tgz");
        using (var file = File.Create(chart))
        using (var tar = new TarGzWriter(file))
        {
            tar.AddText("bad/Chart.yaml", chartYaml);
        }

        PackageChecksums.Write(Dir);

        var problem = Assert.Single(OfflinePackage.Open(Dir).Verify().Problems);

        Assert.Equal("charts/bad.tgz", problem.File);
        Assert.Contains(expected, problem.Message);
    }

    [Fact]
    public void Verify_TruncatedChart_NamesTheChart()
    {
        var chart = Path.Combine(Dir, "charts", "kindling-web-0.2.0.tgz");
        Truncate(chart, keep: 0.5);
        PackageChecksums.Write(Dir);

        var problem = Assert.Single(OfflinePackage.Open(Dir).Verify().Problems);

        Assert.Equal("charts/kindling-web-0.2.0.tgz", problem.File);
        Assert.Contains("not a valid Helm chart", problem.Message);
    }

    [Fact]
    public void Verify_IsoThatIsNotAnIso_NamesTheIso()
    {
        var notIso = _temp.Write("not.iso", new string('x', 64 * 2048));

        var problem = Assert.Single(OfflinePackage.Open(Dir).Verify(new PackageVerifyOptions { IsoPath = notIso }).Problems);

        Assert.Equal(notIso, problem.File);
        Assert.Contains("no \"CD001\" volume descriptor at sector 16", problem.Message);
    }

    [Fact]
    public void Verify_TruncatedIso_SaysHowLongItShouldBe()
    {
        Truncate(_sample.IsoPath, keepBytes: 20 * 2048);

        var problem = Assert.Single(OfflinePackage.Open(Dir).Verify(new PackageVerifyOptions { IsoPath = _sample.IsoPath }).Problems);

        Assert.Equal(_sample.IsoPath, problem.File);
        Assert.Contains("truncated ISO 9660 image", problem.Message);
    }

    [Fact]
    public void Verify_TruncatedOsPackages_NamesTheArchive()
    {
        Truncate(_sample.OsPackagePath, keep: 0.7);

        var problems = OfflinePackage.Open(Dir).Verify(new PackageVerifyOptions { OsPackagePath = _sample.OsPackagePath }).Problems;

        Assert.NotEmpty(problems);
        Assert.All(problems, p => Assert.StartsWith(_sample.OsPackagePath, p.File));
    }

    [Fact]
    public void Verify_IndexEntryWithoutRefName_SaysTheInstallerCannotNameIt()
    {
        var indexPath = Path.Combine(Dir, "images", "index.json");
        var text = File.ReadAllText(indexPath).Replace(PackageLayout.RefNameAnnotation, "org.example.other", StringComparison.Ordinal);
        File.WriteAllText(indexPath, text);
        PackageChecksums.Write(Dir);

        var problems = OfflinePackage.Open(Dir).Verify().Problems;

        Assert.Equal(4, problems.Count);
        Assert.All(problems, p => Assert.Equal("images/index.json", p.File));
        Assert.All(problems, p => Assert.Contains("has no org.opencontainers.image.ref.name annotation", p.Message));
    }

    [Fact]
    public void Verify_IndexJsonNotJson_NamesLine()
    {
        File.WriteAllText(Path.Combine(Dir, "images", "index.json"), "{\n  \"schemaVersion\": 2,\n  \"manifests\": [\n");
        PackageChecksums.Write(Dir);

        var problem = Assert.Single(OfflinePackage.Open(Dir).Verify().Problems);

        Assert.Equal("images/index.json", problem.File);
        Assert.Contains("invalid JSON at line", problem.Message);
    }

    [Fact]
    public void Verify_StrayAndMissingFiles_AreBothNamed()
    {
        File.WriteAllText(Path.Combine(Dir, "stray.txt"), "not in the list");
        File.Delete(Path.Combine(Dir, "charts", "kindling-sample-0.1.0.tgz"));

        var problems = OfflinePackage.Open(Dir).Verify().Problems.Select(p => p.ToString()).ToList();

        Assert.Contains(problems, p => p.StartsWith("stray.txt: not listed in checksums.sha256", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("charts/kindling-sample-0.1.0.tgz: missing, but listed in checksums.sha256:", StringComparison.Ordinal));
    }

    [Fact]
    public void Verify_KeyInBothTreeAndArchive_NamesTheArchiveMember()
    {
        var key = "github.com/opencontainers/runc/releases/download/v1.1.12/runc.amd64";
        var path = Path.Combine(Dir, "files", key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "another runc");
        PackageChecksums.Write(Dir);

        var problem = Assert.Single(OfflinePackage.Open(Dir).Verify().Problems);

        Assert.Equal($"offline-files.tar.gz!offline-files/{key}", problem.File);
        Assert.Contains($"is also files/{key}", problem.Message);
    }

    [Fact]
    public void Verify_NoChecksumsNoVersion_SaysWhatIsMissing()
    {
        File.Delete(Path.Combine(Dir, PackageLayout.Checksums));
        File.Delete(Path.Combine(Dir, PackageLayout.VersionFile));

        var problems = OfflinePackage.Open(Dir).Verify().Problems.Select(p => p.File).ToList();

        Assert.Equal([PackageLayout.VersionFile, PackageLayout.Checksums], problems.Order(StringComparer.Ordinal));
    }

    private static Digest FirstLayer(OfflinePackage package)
    {
        var manifest = package.Images.First(i => i.Descriptor.IsManifest).Descriptor.Digest;
        using var json = JsonDocument.Parse(File.ReadAllBytes(package.BlobPath(manifest)));
        Assert.True(Digest.TryParse(json.RootElement.GetProperty("layers")[0].GetProperty("digest").GetString(), out var digest, out _));
        return digest!.Value;
    }

    private static void Truncate(string path, double keep = 0, long keepBytes = -1)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        file.SetLength(keepBytes >= 0 ? keepBytes : (long)(file.Length * keep));
    }
}
