using System.Net;
using Kindling.Health.Failover;
using Kindling.Health.Peers;
using Kindling.Testing;

namespace Kindling.Health.Tests.Peers;

/// <summary>The failover file's <c>peers:</c> section: what it reads, every error with file:line and path, and finding this instance.</summary>
public sealed class PeersFileTests : IDisposable
{
    private readonly TempDirectory _dir = new("kindling-peersfile");

    public void Dispose() => _dir.Dispose();

    private const string Record = """
        records:
          - name: www.example.
            primary: [127.0.0.2]
            backup: [127.0.0.3]
            check: { url: "http://{address}:80/healthz" }
        """;

    private LoadResult Load(string peers, string secret = "0123456789abcdef0123456789abcdef\n")
    {
        _dir.Write("peer.key", secret);
        var path = _dir.Write("failover.yaml", peers + "\n" + Record);
        var result = FailoverFileLoader.LoadFile(path);
        return new LoadResult(result.Value, string.Join("\n", result.Diagnostics.Select(d => d.ToString())));
    }

    private sealed record LoadResult(FailoverFile? File, string Diagnostics);

    [Fact]
    public void Peers_ReadsSecretUrlsAndSelf()
    {
        var result = Load("""
            peers:
              secret: peer.key
              self: http://127.0.41.195:8053
              urls:
                - http://127.0.41.192:8053
                - http://127.0.41.195:8053/
            """);

        var peers = result.File?.Peers;
        Assert.True(peers is not null, result.Diagnostics);
        Assert.Equal(32, peers.Secret.Length); // the trailing newline is not part of the secret
        Assert.Equal(_dir.File("peer.key"), peers.SecretFile);
        Assert.Equal(["http://127.0.41.192:8053/", "http://127.0.41.195:8053/"], peers.Urls.Select(u => u.ToString()));
        Assert.Equal("http://127.0.41.195:8053/", PeerMesh.ResolveSelf(peers, null, "failover.yaml"));
    }

    [Fact]
    public void NoPeers_IsNull()
    {
        var result = Load("");

        Assert.NotNull(result.File);
        Assert.Null(result.File.Peers);
    }

    [Theory]
    [InlineData("peers:\n  urls: [http://127.0.41.192:8053]", "failover.yaml:2: peers.secret: missing")]
    [InlineData("peers:\n  secret: nothing-here.key\n  urls: [http://127.0.41.192:8053]", "peers.secret: cannot read the peer secret")]
    [InlineData("peers:\n  secret: peer.key\n  urls: [ftp://127.0.41.192:8053]", "failover.yaml:3: peers.urls[0]: \"ftp://127.0.41.192:8053\" is not an http:// or https:// URL")]
    [InlineData("peers:\n  secret: peer.key\n  urls: [http://127.0.41.192:8053/v1]", "peers.urls[0]: \"http://127.0.41.192:8053/v1\" has a path")]
    [InlineData("peers:\n  secret: peer.key\n  urls: [http://127.0.41.192:8053, http://127.0.41.192:8053/]", "peers.urls[1]: http://127.0.41.192:8053/ is listed twice")]
    [InlineData("peers:\n  secret: peer.key\n  self: http://127.0.41.199:8053\n  urls: [http://127.0.41.192:8053]", "failover.yaml:3: peers.self: http://127.0.41.199:8053/ is not one of peers.urls")]
    [InlineData("peers:\n  secret: peer.key", "peers.urls: missing or empty")]
    [InlineData("peers:\n  secret: peer.key\n  urls: [http://127.0.41.192:8053]\n  sekret: x", "sekret")]
    public void BadPeers_NameFileLineAndPath(string peers, string expected)
    {
        var result = Load(peers);

        Assert.Contains(expected, result.Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public void ShortSecret_IsRefused_WithHowToMakeOne()
    {
        var result = Load("peers:\n  secret: peer.key\n  urls: [http://127.0.41.192:8053]", secret: "too short\n");

        Assert.Null(result.File);
        Assert.Contains("holds 9 bytes; the peer secret needs at least 32", result.Diagnostics, StringComparison.Ordinal);
        Assert.Contains("openssl rand -base64 48", result.Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public void Self_DefaultsToTheEntryOfTheHttpAddress_AndIsRequired()
    {
        var peers = Load("peers:\n  secret: peer.key\n  urls: [http://127.0.41.192:8053, http://127.0.41.195:8053]").File!.Peers!;

        Assert.Equal("http://127.0.41.195:8053/", PeerMesh.ResolveSelf(peers, IPEndPoint.Parse("127.0.41.195:8053"), "f.yaml"));
        var none = Assert.Throws<InvalidDataException>(() => PeerMesh.ResolveSelf(peers, IPEndPoint.Parse("127.0.41.196:8053"), "f.yaml"));
        Assert.Contains("none of peers.urls", none.Message, StringComparison.Ordinal);
        var noHttp = Assert.Throws<InvalidDataException>(() => PeerMesh.ResolveSelf(peers, null, "f.yaml"));
        Assert.Contains("peers: needs --http", noHttp.Message, StringComparison.Ordinal);
    }
}
