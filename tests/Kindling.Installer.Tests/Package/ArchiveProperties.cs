using CsCheck;
using Kindling.Installer.Package;
using Kindling.Installer.Package.Sample;

namespace Kindling.Installer.Tests.Package;

/// <summary>Properties of the package's readers: a cut archive never passes; nothing throws on garbage.</summary>
public sealed class ArchiveProperties
{
    private static byte[] Archive(int files, int size)
    {
        using var buffer = new MemoryStream();
        using (var tar = new TarGzWriter(buffer))
        {
            for (var i = 0; i < files; i++)
            {
                using var data = new PseudoRandomStream((ulong)(i + 1), size);
                tar.AddFile($"offline-files/example.com/f{i}", data);
            }
        }

        return buffer.ToArray();
    }

    [Fact]
    public void Walk_WholeArchive_PassesAndSeesEveryEntry()
    {
        Gen.Int[1, 6].Select(Gen.Int[0, 5000]).Sample((files, size) =>
        {
            var error = TarGzArchive.Walk(new MemoryStream(Archive(files, size)), null, out var entries);
            Assert.Null(error);
            Assert.Equal(files + 2, entries); // + offline-files/ and offline-files/example.com/
        }, iter: 30);
    }

    [Fact]
    public void Walk_ArchiveCutAnywhere_NeverPasses()
    {
        var archive = Archive(3, 3000);
        Gen.Int[0, archive.Length - 1].Sample(cut =>
        {
            var error = TarGzArchive.Walk(new MemoryStream(archive, 0, cut));
            Assert.NotNull(error);
        }, iter: 500);
    }

    [Fact]
    public void Walk_RandomBytes_ReportsInsteadOfThrowing()
    {
        Gen.Byte.Array[0, 4096].Sample(bytes => Assert.NotNull(TarGzArchive.Walk(new MemoryStream(bytes))), iter: 300);
    }

    [Fact]
    public void Walk_FlippedByte_NeverPassesUnnoticed()
    {
        var archive = Archive(2, 2000);
        Gen.Int[10, archive.Length - 9].Sample(at =>
        {
            var damaged = (byte[])archive.Clone();
            damaged[at] ^= 0x5A;
            Assert.NotNull(TarGzArchive.Walk(new MemoryStream(damaged)));
        }, iter: 500);
    }

    [Fact]
    public void IsoCheck_RandomFiles_ReportsInsteadOfThrowing()
    {
        using var temp = new Kindling.Testing.TempDirectory("kindling-iso");
        Gen.Byte.Array[0, 40 * 2048].Sample(bytes =>
        {
            var path = temp.File($"{Guid.NewGuid():N}.iso"); // CsCheck samples in parallel
            if (bytes.Length > 16 * 2048 + 6)
            {
                "\u0001CD001\u0001"u8.CopyTo(bytes.AsSpan(16 * 2048)); // get past the first check sometimes
            }

            File.WriteAllBytes(path, bytes);
            _ = IsoImageCheck.Check(path);
        }, iter: 100);
    }

    [Fact]
    public void ChecksumList_RenderThenParse_RoundTrips()
    {
        var path = Gen.String[Gen.Char["abcdefgh0123456789-._"], 1, 12].Array[1, 4].Select(parts => string.Join('/', parts)).Where(ChecksumList.IsSafeRelativePath);
        var hex = Gen.Byte.Array[32].Select(b => Convert.ToHexStringLower(b));
        Gen.Dictionary(path, hex)[0, 20].Sample(entries =>
        {
            var list = new ChecksumList();
            foreach (var (k, v) in entries)
            {
                list.Add(k, v);
            }

            using var temp = new Kindling.Testing.TempDirectory("kindling-sums");
            var file = temp.Write("checksums.sha256", list.Render());
            var problems = new List<PackageProblem>();
            var parsed = ChecksumList.Parse(file, "checksums.sha256", problems);
            Assert.Empty(problems);
            Assert.Equal(entries.OrderBy(e => e.Key, StringComparer.Ordinal), parsed.Entries.OrderBy(e => e.Key, StringComparer.Ordinal));
        }, iter: 50);
    }

    [Theory]
    [InlineData("release.daocloud.io/kpanda/apiserver:v0.20.0", "release.daocloud.io/kpanda/apiserver", "v0.20.0")]
    [InlineData("localhost:5000/a/b:1", "localhost:5000/a/b", "1")]
    [InlineData("quay.io/coreos/etcd@sha256:0000000000000000000000000000000000000000000000000000000000000000", "quay.io/coreos/etcd", null)]
    public void TryParseReference_FullReferences_SplitAsTheRegistryNamesThem(string reference, string repository, string? tag)
    {
        Assert.True(PackageImage.TryParseReference(reference, out var r, out var t));
        Assert.Equal(repository, r);
        Assert.Equal(tag, t);
    }

    [Theory]
    [InlineData("apiserver:v1")]
    [InlineData("release.daocloud.io/kpanda/apiserver")]
    [InlineData("release.daocloud.io/KPanda/apiserver:v1")]
    [InlineData("release.daocloud.io//apiserver:v1")]
    [InlineData("release.daocloud.io/a/b:-bad")]
    public void TryParseReference_NotAFullReference_Refused(string reference) =>
        Assert.False(PackageImage.TryParseReference(reference, out _, out _));
}

/// <summary>Inputs found by fuzz/Kindling.Installer.Fuzz that once threw instead of being reported.</summary>
public sealed class FuzzRegressionTests
{
    [Fact]
    public void ChartYaml_ScannerStateError_IsReportedAsInvalidYaml()
    {
        byte[] input = [0x62, 0x30, 0x70, 0x79, 0x56, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0xc3, 0x3a, 0x20, 0x5b, 0x76,
            0x32, 0x0a, 0x6e, 0x61, 0x99, 0x3d, 0x3a, 0x20, 0x61, 0x0a, 0x74, 0x47, 0x72, 0x73, 0x69, 0x6f,
            0x2f, 0x6e, 0x3a, 0x2f, 0x31, 0x2e, 0x30, 0x2e, 0x30, 0x65, 0x0a, 0x02];

        var (name, _, error) = ChartArchive.Parse(System.Text.Encoding.UTF8.GetString(input), "x/Chart.yaml");

        Assert.Null(name);
        Assert.StartsWith("x/Chart.yaml", error);
    }

    [Fact]
    public void OciJson_InvalidUtf8InAString_IsReportedNotThrown()
    {
        using var temp = new Kindling.Testing.TempDirectory("kindling-fuzzreg");
        var path = temp.File("index.json");
        File.WriteAllBytes(path, [.. "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""u8.ToArray(), 0xBE, .. "\"}]}"u8.ToArray()]);
        var problems = new List<PackageProblem>();

        var images = OciLayoutReader.ReadIndex(temp.Path, "images/", problems);

        Assert.Empty(images);
        Assert.Contains(problems, p => p.File == "images/index.json" && p.Message.Contains("not valid UTF-8", StringComparison.Ordinal));
    }
}
