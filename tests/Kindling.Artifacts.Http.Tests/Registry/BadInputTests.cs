using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Kindling.Artifacts.Http.Tests.Support;
using Kindling.Testing;
using static Kindling.Artifacts.Http.Tests.Support.RegistryClient;

namespace Kindling.Artifacts.Http.Tests.Registry;

/// <summary>Hostile and broken requests sent with curl (which can send paths unnormalized) and raw TLS sockets.</summary>
public class BadInputTests
{
    [Theory]
    [InlineData("/v2/../../../../etc/passwd/manifests/latest")]
    [InlineData("/v2/library/%2e%2e/%2e%2e/%2e%2e/etc/manifests/latest")]
    [InlineData("/v2/library/..%2f..%2fetc/manifests/latest")]
    [InlineData("/v2/library\\..\\..\\etc/manifests/latest")]
    [InlineData("/v2/library/x/blobs/sha256:..%2f..%2f..%2fetc%2fpasswd")]
    [InlineData("/v2/library/x/blobs/sha512:0123")]
    [InlineData("/v2/library/x/manifests/..")]
    [InlineData("/v2/library/x/blobs/uploads/..%2f..%2fregistry")]
    public async Task PathTraversal_InNameDigestOrUpload_RefusedWithSpecErrorAndNothingWritten(string path)
    {
        var curl = Requires.Tool("curl", "curl");
        await using var node = await NodeFixture.StartAsync();
        var before = Snapshot(node.Data.Path);

        var result = await ProcessRunner.RunAsync(curl, ["-sS", "--path-as-is", "--cacert", TestPki.Shared.CaFile, "-u", node.Credentials,
            "-X", "PUT", "-H", "Content-Type: application/vnd.oci.image.manifest.v1+json", "--data-binary", "{}", "-w", "\n%{http_code}", node.RegistryUrl + path]);
        var lines = result.StdOut.TrimEnd().Split('\n');
        var status = int.Parse(lines[^1], System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(status is 400 or 404, result.ToString());
        using var error = JsonDocument.Parse(string.Join('\n', lines[..^1]));
        Assert.Contains(error.RootElement.GetProperty("errors")[0].GetProperty("code").GetString(),
            new[] { "NAME_INVALID", "NAME_UNKNOWN", "DIGEST_INVALID", "TAG_INVALID", "BLOB_UPLOAD_UNKNOWN" });
        Assert.Equal(before, Snapshot(node.Data.Path));
        Assert.False(File.Exists("/etc/manifests"));
    }

    [Fact]
    public async Task OversizedHeaders_Refused431_ServerStillServes()
    {
        var curl = Requires.Tool("curl", "curl");
        await using var node = await NodeFixture.StartAsync();

        var huge = await ProcessRunner.RunAsync(curl, ["-s", "--http1.1", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", TestPki.Shared.CaFile,
            "-H", "X-Padding: " + new string('a', 64 * 1024), node.RegistryUrl + "/v2/library/x/manifests/latest"]);
        // Over HTTP/2 an oversized header block is a connection error (RFC 9113): curl sees no status at all.
        var huge2 = await ProcessRunner.RunAsync(curl, ["-s", "--http2", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", TestPki.Shared.CaFile,
            "-H", "X-Padding: " + new string('a', 64 * 1024), node.RegistryUrl + "/v2/library/x/manifests/latest"]);
        using var after = await node.SendAsync(HttpMethod.Get, "/v2/", authenticated: true);

        Assert.Equal("431", huge.StdOut.Trim());
        Assert.NotEqual("200", huge2.StdOut.Trim());
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task TruncatedUpload_ConnectionClosedMidBody_NothingStoredServerStillServes()
    {
        await using var node = await NodeFixture.StartAsync();
        var content = new byte[200_000];
        Random.Shared.NextBytes(content);
        var digest = DigestOf(content);

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, node.RegistryPort, TestContext.Current.CancellationToken);
            using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", ApplicationProtocols = [SslApplicationProtocol.Http11] }, TestContext.Current.CancellationToken);
            var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes(node.Credentials));
            var head = $"POST /v2/library/truncated/blobs/uploads/?digest={digest} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic {auth}\r\nContent-Type: application/octet-stream\r\nContent-Length: {content.Length}\r\n\r\n";
            await tls.WriteAsync(Encoding.ASCII.GetBytes(head), TestContext.Current.CancellationToken);
            await tls.WriteAsync(content.AsMemory(0, content.Length / 2), TestContext.Current.CancellationToken);
            await tls.FlushAsync(TestContext.Current.CancellationToken);
            await Task.Delay(300, TestContext.Current.CancellationToken);
        }

        await Task.Delay(500, TestContext.Current.CancellationToken);
        using var head2 = await node.SendAsync(HttpMethod.Head, $"/v2/library/truncated/blobs/{digest}");
        using var after = await node.SendAsync(HttpMethod.Get, "/v2/", authenticated: true);

        Assert.Equal(HttpStatusCode.NotFound, head2.StatusCode);
        Assert.Equal(0, node.Host.Store.Blobs.Count);
        Assert.Empty(Directory.EnumerateFileSystemEntries(node.Host.Store.Blobs.TempDirectory));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Contains(node.Logs.Lines, l => l.Contains("truncated", StringComparison.Ordinal));
    }

    private static string[] Snapshot(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}tmp{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray();
}
