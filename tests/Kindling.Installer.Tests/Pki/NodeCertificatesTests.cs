using System.Net;
using System.Security.Cryptography.X509Certificates;
using Kindling.Config;
using Kindling.Installer.Pki;
using Kindling.Testing;

namespace Kindling.Installer.Tests.Pki;

public class NodeCertificatesTests
{
    private const string Domain = "www.tinder-node-server.com";

    private static ClusterConfig Sample(string name) =>
        ClusterConfigLoader.LoadFile(Path.Combine(Repository.Samples, name)).GetValueOrThrow();

    private static IReadOnlyList<string> SansFor(string sample, string nodeIp) =>
        SubjectAltNames.For(Sample(sample), IPAddress.Parse(nodeIp), [IPAddress.Parse(nodeIp)]);

    private static X509Chain TrustOnly(X509Certificate2 root)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain;
    }

    [Theory]
    [InlineData("clusterConfig.yaml", "172.30.41.193")]
    [InlineData("clusterConfig-backup.yaml", "172.30.41.194")]
    public async Task Ensure_SeedConfig_SansMatchTheSeedFaqTable_AsOpenSslReadsThem(string sample, string nodeIp)
    {
        var openssl = Requires.Tool("openssl", "openssl");
        using var dir = new TempDirectory();

        var files = NodeCertificates.Ensure(dir.Path, SansFor(sample, nodeIp), caFromDir: null);

        var text = await ProcessRunner.RunAsync(openssl, ["x509", "-noout", "-text", "-in", files.ServerCertificatePath]);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains($"DNS:{Domain}", text.StdOut, StringComparison.Ordinal);
        Assert.Contains($"IP Address:{nodeIp}", text.StdOut, StringComparison.Ordinal);
        Assert.Contains("DNS:localhost", text.StdOut, StringComparison.Ordinal);
        Assert.Contains("IP Address:127.0.0.1", text.StdOut, StringComparison.Ordinal);
        Assert.Contains("TLS Web Server Authentication", text.StdOut, StringComparison.Ordinal);
        var verify = await ProcessRunner.RunAsync(openssl, ["verify", "-CAfile", files.CaCertificatePath, files.ServerCertificatePath]);
        Assert.True(verify.ExitCode == 0, verify.ToString());
    }

    [Theory]
    [InlineData("clusterConfig.yaml", "172.30.41.193")]
    [InlineData("clusterConfig-backup.yaml", "172.30.41.194")]
    public void Ensure_SeedConfig_ChainsToTheCaForTheDomainAndTheIp(string sample, string nodeIp)
    {
        using var dir = new TempDirectory();
        var files = NodeCertificates.Ensure(dir.Path, SansFor(sample, nodeIp), caFromDir: null);
        using var server = files.LoadServerCertificate();
        using var root = files.LoadCaCertificate();
        using var chain = TrustOnly(root);

        Assert.True(chain.Build(server), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.True(server.MatchesHostname(Domain));
        Assert.True(server.MatchesHostname(nodeIp));
        Assert.False(server.MatchesHostname("other.example"));
        Assert.True(server.HasPrivateKey);
        Assert.InRange((server.NotAfter - server.NotBefore).TotalDays, 3650, 3654);
    }

    [Fact]
    public void Ensure_BackupWithPrimaryCa_ValidatesAgainstTheSameRoot()
    {
        using var primary = new TempDirectory();
        using var export = new TempDirectory();
        using var backup = new TempDirectory();
        var primaryFiles = NodeCertificates.Ensure(primary.Path, SansFor("clusterConfig.yaml", "172.30.41.193"), null);
        NodeCertificates.ExportCa(primary.Path, export.Path, withKey: true);

        var backupFiles = NodeCertificates.Ensure(backup.Path, SansFor("clusterConfig-backup.yaml", "172.30.41.194"), export.Path);

        Assert.True(backupFiles.CaImported);
        using var root = primaryFiles.LoadCaCertificate();
        using var backupServer = backupFiles.LoadServerCertificate();
        using var chain = TrustOnly(root);
        Assert.True(chain.Build(backupServer), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.True(backupServer.MatchesHostname(Domain));
        Assert.Equal(File.ReadAllText(primaryFiles.CaCertificatePath), File.ReadAllText(backupFiles.CaCertificatePath));
    }

    [Fact]
    public void Ensure_KeyFiles_AreOwnerOnly()
    {
        using var dir = new TempDirectory();
        using var export = new TempDirectory();
        var files = NodeCertificates.Ensure(dir.Path, ["node.example", "10.0.0.1"], null);
        NodeCertificates.ExportCa(dir.Path, export.Path, withKey: true);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(files.CaKeyPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(files.ServerKeyPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(export.Path, "ca.key")));
    }

    [Fact]
    public void Ensure_SecondRunWithSameNames_KeepsCertificate_AndNewNamesReissue()
    {
        using var dir = new TempDirectory();
        var first = NodeCertificates.Ensure(dir.Path, ["a.example", "10.0.0.1"], null);
        var pem = File.ReadAllText(first.ServerCertificatePath);

        var second = NodeCertificates.Ensure(dir.Path, ["10.0.0.1", "A.example"], null);
        Assert.False(second.CaCreated);
        Assert.False(second.ServerIssued);
        Assert.Equal(pem, File.ReadAllText(second.ServerCertificatePath));

        var third = NodeCertificates.Ensure(dir.Path, ["a.example", "10.0.0.1", "b.example"], null);
        Assert.True(third.ServerIssued);
        Assert.NotEqual(pem, File.ReadAllText(third.ServerCertificatePath));
    }

    [Fact]
    public void Ensure_CaFromADifferentCa_RefusesToReplaceTheExistingOne()
    {
        using var node = new TempDirectory();
        using var other = new TempDirectory();
        using var export = new TempDirectory();
        var nodeFiles = NodeCertificates.Ensure(node.Path, ["a.example"], null);
        var before = File.ReadAllText(nodeFiles.CaCertificatePath);
        NodeCertificates.Ensure(other.Path, ["b.example"], null);
        NodeCertificates.ExportCa(other.Path, export.Path, withKey: true);

        var e = Assert.Throws<PkiException>(() => NodeCertificates.Ensure(node.Path, ["a.example"], export.Path));

        Assert.Contains("refusing to replace it", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(nodeFiles.CaCertificatePath));
    }

    [Fact]
    public void Ensure_CaFromFolderWithoutKey_SaysHowToExportIt()
    {
        using var node = new TempDirectory();
        using var empty = new TempDirectory();

        var e = Assert.Throws<PkiException>(() => NodeCertificates.Ensure(node.Path, ["a.example"], empty.Path));

        Assert.Contains("kindling ca export", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(node.Path, "pki", "ca.crt")));
    }

    [Fact]
    public void Load_KeyOfAnotherCa_IsRefusedNamingTheFiles()
    {
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        var fa = NodeCertificates.Ensure(a.Path, ["a.example"], null);
        var fb = NodeCertificates.Ensure(b.Path, ["b.example"], null);

        var e = Assert.Throws<PkiException>(() => CertificateAuthority.Load(fa.CaCertificatePath, fb.CaKeyPath));

        Assert.Contains(fb.CaKeyPath, e.Message, StringComparison.Ordinal);
    }
}
