using System.Net;
using Kindling.Replication.Clients;
using Kindling.Testing;

namespace Kindling.Replication.Tests.Clients;

/// <summary>
/// Every <c>--format</c> written from one fixed topology (the seed's addresses) and compared byte for byte with a file
/// under Golden/: output is deterministic, and a change to it shows in review. KINDLING_UPDATE_GOLDEN=1 rewrites them.
/// </summary>
public class ClientConfigGoldenTests
{
    private const string Pem = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n";

    private static ClientTopology Seed(string domain = "www.tinder-node-server.com") => new()
    {
        Domain = RegistryDomain.Parse(domain),
        Nodes = [new ClientNode("https://172.30.41.193", "https://172.30.41.193:9000"), new ClientNode("https://172.30.41.194", "https://172.30.41.194:9000")],
        CaPath = "/etc/kindling/ca.crt",
        CaPem = Pem,
        DomainFiles = "https://www.tinder-node-server.com:9000",
        Repositories =
        [
            new OsRepository(OsRepositoryKind.Yum, "centos-iso/7/os/x86_64"),
            new OsRepository(OsRepositoryKind.Yum, "centos/7/os/x86_64"),
            new OsRepository(OsRepositoryKind.Apt, "ubuntu/22.04/os/amd64", "jammy", ["main", "restricted"]),
        ],
    };

    [Theory]
    [InlineData("containerd")]
    [InlineData("crio")]
    [InlineData("podman")]
    [InlineData("dnf")]
    [InlineData("apt")]
    [InlineData("kubean")]
    public void Write_SeedTopology_MatchesGolden(string format) =>
        AssertGolden(format, ClientConfig.Render(ClientConfig.Write(ClientConfigFormats.Parse(format), Seed())));

    [Fact]
    public void Write_ContainerdWithPortAndNewContainerd_NamesTheFolderHostPortAndSetsDialTimeout()
    {
        var files = ClientConfig.Write(ClientConfigFormat.Containerd, Seed("www.tinder-node-server.com:5443"), new Version(2, 1));
        Assert.Equal("www.tinder-node-server.com:5443/hosts.toml", files[0].Path);
        AssertGolden("containerd-2.1-port", ClientConfig.Render(files));
    }

    [Fact]
    public void WriteResolv_TwoInstances_MatchesGolden_FourAreRefused()
    {
        AssertGolden("resolv", ClientConfig.Render(ClientConfig.WriteResolv([IPAddress.Parse("172.30.41.192"), IPAddress.Parse("172.30.41.195")])));
        var error = Assert.Throws<ReplicationException>(() => ClientConfig.WriteResolv([.. Enumerable.Range(1, 4).Select(i => IPAddress.Parse($"10.0.0.{i}"))]));
        Assert.Contains("at most 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_TwiceFromTheSameTopology_IsIdentical()
    {
        foreach (var format in Enum.GetValues<ClientConfigFormat>().Where(f => f != ClientConfigFormat.Resolv))
        {
            Assert.Equal(ClientConfig.Render(ClientConfig.Write(format, Seed())), ClientConfig.Render(ClientConfig.Write(format, Seed())));
        }
    }

    [Fact]
    public void Write_NoRepositoryOfTheKind_SaysWhatIsMissing()
    {
        var empty = Seed() with { Repositories = [] };
        Assert.Contains("repodata/repomd.xml", Assert.Throws<ReplicationException>(() => ClientConfig.Write(ClientConfigFormat.Dnf, empty)).Message, StringComparison.Ordinal);
        Assert.Contains("dists/SUITE/Release", Assert.Throws<ReplicationException>(() => ClientConfig.Write(ClientConfigFormat.Apt, empty)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("www.tinder-node-server.com", "www.tinder-node-server.com")]
    [InlineData("WWW.Tinder-Node-Server.com:443", "www.tinder-node-server.com")]
    [InlineData("registry.local:5443", "registry.local:5443")]
    public void RegistryDomain_Parse_GivesTheAuthority(string text, string authority) => Assert.Equal(authority, RegistryDomain.Parse(text).Authority);

    [Theory]
    [InlineData("https://www.tinder-node-server.com", "not a URL")]
    [InlineData("www.tinder-node-server.com:99999", "not a TCP port")]
    [InlineData("bad_name.com", "not a host name")]
    [InlineData("-x.com", "not a host name")]
    public void RegistryDomain_Parse_Invalid_SaysWhy(string text, string why) =>
        Assert.Contains(why, Assert.Throws<ReplicationException>(() => RegistryDomain.Parse(text)).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("ubuntu/22.04/os/amd64/dists/jammy/Release", "ubuntu/22.04/os/amd64", "jammy")]
    [InlineData("dists/jammy/Release", null, null)]
    [InlineData("centos/7/os/x86_64/repodata/repomd.xml", null, null)]
    public void AptRelease_Keys_GiveRootAndSuite(string key, string? root, string? suite)
    {
        var found = OsRepositoryDiscovery.AptRelease(key);
        Assert.Equal(root, found?.Root);
        Assert.Equal(suite, found?.Suite);
    }

    private static void AssertGolden(string name, string actual)
    {
        var path = Path.Combine(Repository.Root, "tests", "Kindling.Replication.Tests", "Clients", "Golden", name + ".txt");
        if (Environment.GetEnvironmentVariable("KINDLING_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, actual);
        }

        Assert.True(File.Exists(path), $"no golden file {path}: run with KINDLING_UPDATE_GOLDEN=1 once and review it");
        Assert.Equal(File.ReadAllText(path), actual);
    }
}
