using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Installer;

/// <summary>
/// <c>kindling package export</c>: a node written as an offline package, then a fresh node installed from it with
/// <c>cluster-create</c>; <c>kindling verify</c> finds both serving the same content.
/// </summary>
public class PackageExportTests(SamplePackageFixture package, ITestOutputHelper output) : IClassFixture<SamplePackageFixture>
{
    [Fact]
    public async Task Export_ThenClusterCreateOfAFreshNode_ServesTheSameContent()
    {
        var skopeo = Requires.Tool("skopeo", "skopeo");
        using var work = new TempDirectory("kindling-export");
        await using var source = new InstalledNode("127.0.47.195", package.Path);
        var installed = await source.InstallAsync();
        Assert.True(installed.ExitCode == 0, installed.ToString());

        // Content pushed by hand is what the node serves too, so it is exported with the package's.
        var credentials = File.ReadAllText(Path.Combine(source.DataDir, "admin-credentials")).Trim();
        var (firstReference, _) = InstalledNode.PackageImages(package.Path)[0];
        var pushed = await ProcessRunner.RunAsync(skopeo, ["copy", "--dest-cert-dir", source.CertDir(), "--dest-creds", credentials,
            $"oci:{Path.Combine(package.Path, "offline", "images")}:{firstReference}", $"docker://{source.Registry}/library/handpushed:1.0"]);
        Assert.True(pushed.ExitCode == 0, pushed.ToString());

        // The restore folder holds the package, and beside it the OS files the ClusterConfig names.
        var restore = work.File("restore");
        var exported = await ProcessRunner.KindlingAsync("package", "export", "--from", $"https://{source.Registry}", "--out", Path.Combine(restore, "offline"),
            "--ca", source.CaCertificate, "--version", "v0.0.1-exported");
        Assert.True(exported.ExitCode == 0, exported.ToString());
        output.WriteLine(exported.StdOut);
        Assert.Contains("verified:", exported.StdOut, StringComparison.Ordinal);
        Assert.Contains("served from an ISO in place", exported.StdOut, StringComparison.Ordinal);
        Assert.Empty(Directory.GetDirectories(restore, ".offline.export-*"));
        var verified = await ProcessRunner.KindlingAsync("package", "verify", Path.Combine(restore, "offline"));
        Assert.True(verified.ExitCode == 0, verified.ToString());
        foreach (var name in new[] { "CentOS-7-x86_64-sample.iso", "os-pkgs-centos7-v0.0.1-sample.tar.gz" })
        {
            File.Copy(Path.Combine(package.Path, name), Path.Combine(restore, name));
        }

        await using var fresh = new InstalledNode("127.0.47.196", restore);
        var restored = await fresh.InstallAsync("--ca-from", Path.Combine(source.DataDir, "pki"));
        Assert.True(restored.ExitCode == 0, restored.ToString());

        var verify = await ProcessRunner.KindlingAsync("verify", "--node", $"https://{source.Registry}", "--node", $"https://{fresh.Registry}", "--ca", source.CaCertificate);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        output.WriteLine(verify.StdOut);
        Assert.Contains("same content", verify.StdOut, StringComparison.Ordinal);
        var pulled = await ProcessRunner.RunAsync(skopeo, ["inspect", "--raw", "--cert-dir", fresh.CertDir(source.CaCertificate), $"docker://{fresh.Registry}/library/handpushed:1.0"]);
        Assert.True(pulled.ExitCode == 0, pulled.ToString());
    }

    [Fact]
    public async Task Export_NodeNotThere_FailsAndWritesNothing()
    {
        using var work = new TempDirectory("kindling-export");
        var port = FreePort.Tcp("127.0.47.197");
        var result = await ProcessRunner.KindlingAsync("package", "export", "--from", $"https://127.0.47.197:{port}", "--out", work.File("out"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"127.0.47.197:{port}", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("nothing was written", result.StdErr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(work.Path));
    }

    [Fact]
    public async Task Export_OutputNotEmpty_IsRefusedBeforeAnyRequest()
    {
        using var work = new TempDirectory("kindling-export");
        work.Write("out/keep.txt", "mine");
        var result = await ProcessRunner.KindlingAsync("package", "export", "--from", "https://127.0.47.197:1", "--out", work.File("out"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("already exists and is not an empty folder", result.StdErr, StringComparison.Ordinal);
        Assert.Equal("mine", File.ReadAllText(work.File("out/keep.txt")));
    }
}
