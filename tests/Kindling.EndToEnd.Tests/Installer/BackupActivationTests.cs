using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Installer;

/// <summary>
/// The seed's backup activation: the primary in domain-name mode, the backup in IP mode with -j 1,2,3,4,5 and the
/// primary's CA, so clients holding one CA reach either node under the one domain name.
/// </summary>
public class BackupActivationTests(SamplePackageFixture package) : IClassFixture<SamplePackageFixture>
{
    private const string Domain = "www.tinder-node-server.com";

    [Fact]
    public async Task Backup_WithPrimaryCa_IsTrustedUnderTheDomainLikeThePrimary()
    {
        var curl = Requires.Tool("curl", "curl");
        var skopeo = Requires.Tool("skopeo", "skopeo");
        Requires.Root("skopeo resolves the domain through /etc/hosts; the test bind-mounts a temporary one in a private mount namespace");
        var unshare = Requires.Tool("unshare", "util-linux");
        await using var primary = new InstalledNode("127.0.41.193", package.Path, bootstrapNode: Domain, additionalSan: "127.0.41.193");
        await using var backup = new InstalledNode("127.0.41.194", package.Path, bootstrapNode: "127.0.41.194", additionalSan: Domain);
        using var carried = new TempDirectory("kindling-ca");

        var installed = await primary.InstallAsync();
        Assert.True(installed.ExitCode == 0, installed.ToString());
        var exported = await ProcessRunner.KindlingAsync("ca", "export", "--data", primary.DataDir, "--with-key", "--out", carried.Path);
        Assert.True(exported.ExitCode == 0, exported.ToString());
        var activated = await backup.InstallAsync("-j", "1,2,3,4,5", "--ca-from", carried.Path);
        Assert.True(activated.ExitCode == 0, activated.ToString());
        Assert.Contains("CA imported", activated.StdOut, StringComparison.Ordinal);

        var (reference, _) = InstalledNode.PackageImages(package.Path)[0];
        var repository = reference[..reference.LastIndexOf(':')];
        foreach (var node in new[] { primary, backup })
        {
            var url = $"https://{Domain}:{node.RegistryPort}/v2/{repository}/tags/list";
            var ok = await ProcessRunner.RunAsync(curl, ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", primary.CaCertificate, "--resolve", $"{Domain}:{node.RegistryPort}:{node.Address}", url]);
            Assert.True(ok.ExitCode == 0 && ok.StdOut.Trim() == "200", $"{node}: {ok}");

            using var hosts = new TempDirectory();
            var hostsFile = hosts.Write("hosts", $"127.0.0.1 localhost\n{node.Address} {Domain}\n");
            var certs = node.CertDir(primary.CaCertificate);
            var inspect = await ProcessRunner.RunAsync(unshare, ["--mount", "sh", "-c", "mount --bind \"$0\" /etc/hosts && exec \"$@\"", hostsFile,
                skopeo, "inspect", "--raw", "--cert-dir", certs, $"docker://{Domain}:{node.RegistryPort}/{reference}"]);
            Assert.True(inspect.ExitCode == 0, $"{node}: {inspect}");
        }

        // Without the CA the same request is refused: trust comes from the one root, not from luck.
        var untrusted = await ProcessRunner.RunAsync(curl, ["-sS", "-o", "/dev/null", "--resolve", $"{Domain}:{backup.RegistryPort}:{backup.Address}", $"https://{Domain}:{backup.RegistryPort}/v2/{repository}/tags/list"]);
        Assert.NotEqual(0, untrusted.ExitCode);
        Assert.Equal(File.ReadAllText(primary.CaCertificate), File.ReadAllText(backup.CaCertificate));
    }
}
