using System.Text.Json;
using Kindling.Installer.Package;
using Kindling.Installer.Package.Sample;
using Kindling.Testing;
using Kindling.Artifacts.Storage;

namespace Kindling.Installer.Tests.Package;

public sealed class SamplePackageTests(SampleFixture fixture) : IClassFixture<SampleFixture>
{
    [Fact]
    public void Verify_SmallSample_FindsNoProblemAndCountsEverything()
    {
        var report = OfflinePackage.Open(fixture.Result.PackageDir).Verify(new PackageVerifyOptions
        {
            OsPackagePath = fixture.Result.OsPackagePath,
            IsoPath = fixture.Result.IsoPath,
        });

        Assert.True(report.Ok, string.Join('\n', report.Problems));
        Assert.Equal(4, report.Images);
        Assert.Equal(2, report.Charts);
        Assert.Equal(4, report.StoreFiles);
        // 4 base/app layers for amd64 + hello + arm64 base, 5 configs, 5 manifests, 1 index.
        Assert.Equal(17, report.Blobs);
    }

    [Fact]
    public void Open_SmallSample_NamesImagesByFullReferenceWithOneMultiArchIndex()
    {
        var package = OfflinePackage.Open(fixture.Result.PackageDir);

        Assert.Equal(SamplePackage.Version, package.Version);
        var apiserver = Assert.Single(package.Images, i => i.Reference == "release.daocloud.io/kpanda/apiserver:v0.20.0");
        Assert.Equal("release.daocloud.io/kpanda/apiserver", apiserver.Repository);
        Assert.Equal("v0.20.0", apiserver.Tag);
        Assert.True(apiserver.Descriptor.IsManifest);
        var multiArch = Assert.Single(package.Images, i => i.Descriptor.IsIndex);
        using var index = JsonDocument.Parse(File.ReadAllBytes(package.BlobPath(multiArch.Descriptor.Digest)));
        var platforms = index.RootElement.GetProperty("manifests").EnumerateArray()
            .Select(m => m.GetProperty("platform").GetProperty("architecture").GetString()!).Order().ToArray();
        Assert.Equal(["amd64", "arm64"], platforms);
    }

    [Fact]
    public void Open_SmallSample_ImagesShareOneBaseLayer()
    {
        var package = OfflinePackage.Open(fixture.Result.PackageDir);
        var firstLayers = package.Images.Where(i => i.Descriptor.IsManifest)
            .Select(i => FirstLayer(package, i.Descriptor.Digest)).Distinct().ToList();

        Assert.Single(firstLayers);
    }

    [Fact]
    public void Open_SmallSample_ChartsHaveTheirChartYamlNamesAndVersions()
    {
        var charts = OfflinePackage.Open(fixture.Result.PackageDir).Charts.Select(c => $"{c.Name} {c.Version}").ToArray();

        Assert.Equal(["kindling-sample 0.1.0", "kindling-web 0.2.0"], charts);
    }

    [Fact]
    public void EnumerateFiles_SmallSample_GivesTreeAndArchiveFilesAtTheirHostPaths()
    {
        var package = OfflinePackage.Open(fixture.Result.PackageDir);
        var files = new Dictionary<string, string>();
        foreach (var entry in package.EnumerateFiles())
        {
            using var content = new MemoryStream();
            using (var stream = entry.OpenRead())
            {
                stream.CopyTo(content);
            }

            Assert.Equal(entry.Length, content.Length);
            files[entry.Key] = System.Text.Encoding.UTF8.GetString(content.ToArray());
        }

        Assert.Equal(fixture.Result.FileKeys.Order(StringComparer.Ordinal), files.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("kubeadm v1.29.5", files["dl.k8s.io/release/v1.29.5/bin/linux/amd64/kubeadm"]);
        Assert.Contains("runc v1.1.12", files["github.com/opencontainers/runc/releases/download/v1.1.12/runc.amd64"]);
    }

    [Fact]
    public void OsPackageArchive_SmallSample_GivesKeysAsKubeanImportsThem()
    {
        var keys = OsPackageArchive.EnumerateFiles(fixture.Result.OsPackagePath).Select(e => e.Key).ToList();

        Assert.Contains("centos/7/os/x86_64/repodata/repomd.xml", keys);
        Assert.Contains($"centos/7/os/x86_64/Packages/{fixture.Result.OsPackagesRpm}", keys);
        Assert.Empty(OsPackageArchive.Verify(fixture.Result.OsPackagePath));
    }

    [Fact]
    public void Write_SameArgumentsTwice_GivesTheSameBytes()
    {
        using var other = new TempDirectory("kindling-pkg");
        var again = SamplePackage.Write(other.Path, SampleSize.Small);

        Assert.Equal(File.ReadAllText(Path.Combine(fixture.Result.PackageDir, PackageLayout.Checksums)),
            File.ReadAllText(Path.Combine(again.PackageDir, PackageLayout.Checksums)));
        Assert.Equal(File.ReadAllBytes(fixture.Result.IsoPath), File.ReadAllBytes(again.IsoPath));
        Assert.Equal(File.ReadAllBytes(fixture.Result.OsPackagePath), File.ReadAllBytes(again.OsPackagePath));
    }

    [Fact]
    public void Write_IntoAFolderThatHoldsASample_RefusesAndKeepsIt()
    {
        var before = File.ReadAllText(Path.Combine(fixture.Result.PackageDir, PackageLayout.Checksums));

        var e = Assert.Throws<PackageException>(() => SamplePackage.Write(Path.GetDirectoryName(fixture.Result.PackageDir)!, SampleSize.Small));

        Assert.Contains("already exists", e.Message);
        Assert.Equal(before, File.ReadAllText(Path.Combine(fixture.Result.PackageDir, PackageLayout.Checksums)));
    }

    [Fact]
    public void Write_Large_Has20ImagesOnA20MiBSharedBaseAndA1MiBUniqueLayerEach()
    {
        using var temp = new TempDirectory("kindling-pkg");
        var result = SamplePackage.Write(temp.Path, SampleSize.Large);
        var package = OfflinePackage.Open(result.PackageDir);

        Assert.Equal(20, package.Images.Count);
        var layers = package.Images.Select(i => Layers(package, i.Descriptor.Digest)).ToList();
        Assert.All(layers, l => Assert.Equal(2, l.Count));
        var bases = layers.Select(l => l[0]).Distinct().ToList();
        var baseLayer = Assert.Single(bases);
        Assert.InRange(baseLayer.Size, 20L << 20, 21L << 20);
        Assert.Equal(20, layers.Select(l => l[1].Digest).Distinct().Count());
        Assert.All(layers, l => Assert.InRange(l[1].Size, 1L << 20, (1L << 20) + (64 << 10)));
        Assert.True(package.Verify().Ok);
    }

    private static Digest FirstLayer(OfflinePackage package, Digest manifest) => Layers(package, manifest)[0].Digest;

    private static List<(Digest Digest, long Size)> Layers(OfflinePackage package, Digest manifest)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(package.BlobPath(manifest)));
        return [.. json.RootElement.GetProperty("layers").EnumerateArray().Select(l =>
        {
            Assert.True(Digest.TryParse(l.GetProperty("digest").GetString(), out var d, out _));
            return (d!.Value, l.GetProperty("size").GetInt64());
        })];
    }
}
