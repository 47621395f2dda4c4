using Kindling.Testing;

namespace Kindling.Cli.Tests;

/// <summary><c>kindling package sample|build|verify</c> run as a user would: exit codes, what is printed, what is left.</summary>
public sealed class PackageCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new("kindling-pkgcli");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task SampleThenVerify_ExitZeroAndSaysOk()
    {
        var sample = await ProcessRunner.KindlingAsync("package", "sample", "--out", _temp.Path);
        Assert.True(sample.ExitCode == 0, sample.ToString());
        Assert.Contains("fullPackagePath:", sample.StdOut);
        Assert.True(File.Exists(_temp.File("README.txt")));

        var verify = await ProcessRunner.KindlingAsync("package", "verify", _temp.File("offline"),
            "--os-packages", _temp.File("os-pkgs-centos7-v0.0.1-sample.tar.gz"), "--iso", _temp.File("CentOS-7-x86_64-sample.iso"));

        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.StartsWith("ok: ", verify.StdOut);
        Assert.Contains("4 images", verify.StdOut);
    }

    [Fact]
    public async Task Verify_DamagedPackage_ExitOneNamingTheFile()
    {
        await ProcessRunner.KindlingAsync("package", "sample", "--out", _temp.Path);
        var chart = _temp.File("offline/charts/kindling-web-0.2.0.tgz");
        File.WriteAllBytes(chart, File.ReadAllBytes(chart)[..100]);

        var verify = await ProcessRunner.KindlingAsync("package", "verify", _temp.File("offline"));

        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("charts/kindling-web-0.2.0.tgz: not a valid Helm chart", verify.StdErr);
        Assert.Contains("charts/kindling-web-0.2.0.tgz: sha256 is", verify.StdErr);
        Assert.DoesNotContain("   at ", verify.All);
    }

    [Fact]
    public async Task Verify_MissingFolder_ExitTwoNamingIt()
    {
        var missing = _temp.File("nowhere");

        var verify = await ProcessRunner.KindlingAsync("package", "verify", missing);

        Assert.Equal(2, verify.ExitCode);
        Assert.Contains($"{missing}: no such folder", verify.StdErr);
    }

    [Fact]
    public async Task Sample_UnknownSize_ExitTwo()
    {
        var result = await ProcessRunner.KindlingAsync("package", "sample", "--out", _temp.Path, "--size", "huge");

        Assert.Equal(2, result.ExitCode);
        Assert.False(Directory.Exists(_temp.File("offline")));
    }

    [Fact]
    public async Task Build_FromSampleParts_MakesAPackageThatVerifies()
    {
        await ProcessRunner.KindlingAsync("package", "sample", "--out", _temp.File("parts"));
        var output = _temp.File("built");

        var build = await ProcessRunner.KindlingAsync("package", "build", "--out", output, "--images", _temp.File("parts/offline/images"),
            "--charts", _temp.File("parts/offline/charts"), "--files", _temp.File("parts/offline/files"),
            "--offline-files", _temp.File("parts/offline/offline-files.tar.gz"), "--version", "v0.20.0");

        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Equal("v0.20.0", File.ReadAllText(Path.Combine(output, "VERSION")).Trim());
        var verify = await ProcessRunner.KindlingAsync("package", "verify", output);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains("4 images", verify.StdOut);
        Assert.Contains("2 charts", verify.StdOut);
    }

    [Fact]
    public async Task Build_FromADamagedLayout_ExitOneAndWritesNothing()
    {
        await ProcessRunner.KindlingAsync("package", "sample", "--out", _temp.File("parts"));
        var blobs = Directory.GetFiles(_temp.File("parts/offline/images/blobs/sha256"));
        var largest = blobs.OrderByDescending(b => new FileInfo(b).Length).First();
        File.WriteAllText(largest, "not the layer");
        var output = _temp.File("built");

        var build = await ProcessRunner.KindlingAsync("package", "build", "--out", output, "--images", _temp.File("parts/offline/images"));

        Assert.Equal(1, build.ExitCode);
        Assert.Contains($"images/blobs/sha256/{Path.GetFileName(largest)}", build.StdErr);
        Assert.False(Path.Exists(output));
        Assert.DoesNotContain(Directory.GetFileSystemEntries(_temp.Path), p => Path.GetFileName(p).StartsWith(".built", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Build_MissingPart_ExitTwoNamingIt()
    {
        var build = await ProcessRunner.KindlingAsync("package", "build", "--out", _temp.File("x"), "--charts", _temp.File("no-charts"));

        Assert.Equal(2, build.ExitCode);
        Assert.Contains("--charts", build.StdErr);
        Assert.Contains("no such folder", build.StdErr);
    }
}
