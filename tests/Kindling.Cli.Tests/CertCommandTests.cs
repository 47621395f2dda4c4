using Kindling.Testing;

namespace Kindling.Cli.Tests;

public class CertCommandTests
{
    private static string Sample(string name) => Path.Combine(Repository.Samples, name);

    [Fact]
    public async Task CertIssue_PrimaryThenBackupWithExportedCa_BothVerifyAgainstOneRootWithOpenSsl()
    {
        var openssl = Requires.Tool("openssl", "openssl");
        using var dir = new TempDirectory();
        var primary = dir.File("primary");
        var backup = dir.File("backup");
        var carried = dir.File("carried-ca");

        var issued = await ProcessRunner.KindlingAsync("cert", "issue", "-c", Sample("clusterConfig.yaml"), "--data", primary, "-t", "172.30.41.193");
        Assert.True(issued.ExitCode == 0, issued.ToString());
        Assert.Contains("CA created", issued.StdOut, StringComparison.Ordinal);

        var exported = await ProcessRunner.KindlingAsync("ca", "export", "--data", primary, "--with-key", "--out", carried);
        Assert.True(exported.ExitCode == 0, exported.ToString());

        var backupIssued = await ProcessRunner.KindlingAsync("cert", "issue", "-c", Sample("clusterConfig-backup.yaml"), "--data", backup, "--ca-from", carried);
        Assert.True(backupIssued.ExitCode == 0, backupIssued.ToString());
        Assert.Contains("CA imported", backupIssued.StdOut, StringComparison.Ordinal);

        var printed = await ProcessRunner.KindlingAsync("ca", "export", "--data", primary);
        var rootFile = dir.Write("root.pem", printed.StdOut);
        foreach (var (node, name) in new[] { (primary, "www.tinder-node-server.com"), (backup, "www.tinder-node-server.com"), (primary, "172.30.41.193"), (backup, "172.30.41.194") })
        {
            var isIp = char.IsAsciiDigit(name[0]);
            var verify = await ProcessRunner.RunAsync(openssl, ["verify", "-CAfile", rootFile, isIp ? "-verify_ip" : "-verify_hostname", name, Path.Combine(node, "pki", "server.crt")]);
            Assert.True(verify.ExitCode == 0, $"{node} {name}: {verify}");
        }

        var wrongName = await ProcessRunner.RunAsync(openssl, ["verify", "-CAfile", rootFile, "-verify_hostname", "evil.example", Path.Combine(primary, "pki", "server.crt")]);
        Assert.NotEqual(0, wrongName.ExitCode);
    }

    [Fact]
    public async Task CertShow_AfterIssue_PrintsSubjectSansAndTenYearValidity()
    {
        using var dir = new TempDirectory();
        await ProcessRunner.KindlingAsync("cert", "issue", "-c", Sample("clusterConfig-backup.yaml"), "--data", dir.Path);

        var shown = await ProcessRunner.KindlingAsync("cert", "show", "--data", dir.Path);

        Assert.True(shown.ExitCode == 0, shown.ToString());
        Assert.Contains("SANs         www.tinder-node-server.com, localhost, 172.30.41.194", shown.StdOut, StringComparison.Ordinal);
        var years = DateTime.UtcNow.Year;
        Assert.Contains($"to {years + 10}-", shown.StdOut, StringComparison.Ordinal);
        Assert.Contains("CA: ", shown.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaExport_WithKeyButNoOut_IsRefusedWith2()
    {
        using var dir = new TempDirectory();

        var result = await ProcessRunner.KindlingAsync("ca", "export", "--data", dir.Path, "--with-key");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--with-key needs --out DIR", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertShow_EmptyDataFolder_FailsSayingWhatToRun()
    {
        using var dir = new TempDirectory();

        var result = await ProcessRunner.KindlingAsync("cert", "show", "--data", dir.Path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("run 'kindling cert issue' first", result.StdErr, StringComparison.Ordinal);
    }
}
