using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Kindling.Artifacts.Http.Tests.Support;

namespace Kindling.Artifacts.Http.Tests.Hosting;

/// <summary>The DCE-compatible setting: charts and files over plain HTTP, writes there refused, registry still HTTPS.</summary>
public class PlainHttpTests
{
    [Fact]
    public async Task PlainHttp_ReadsServed_WritesRefused_RegistryStaysHttps()
    {
        await using var node = await NodeFixture.StartAsync(configure: o => o with { PlainHttpChartsAndFiles = true });
        File.WriteAllText(Path.Combine(node.Host.Store.Files.Directory, "kubean", "hello.txt"), "hello");
        using var plain = new HttpClient();
        var auth = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(node.Credentials)));

        var file = await plain.GetStringAsync($"http://127.0.0.1:{node.FilesPort}/kubean/hello.txt", TestContext.Current.CancellationToken);
        var index = await plain.GetStringAsync($"http://127.0.0.1:{node.ChartsPort}/index.yaml", TestContext.Current.CancellationToken);
        var put = new HttpRequestMessage(HttpMethod.Put, $"http://127.0.0.1:{node.FilesPort}/kubean/new.txt") { Content = new StringContent("x") };
        put.Headers.Authorization = auth;
        using var refused = await plain.SendAsync(put, TestContext.Current.CancellationToken);
        var info = await plain.GetStringAsync($"http://127.0.0.1:{node.ChartsPort}/kindling/v1/info", TestContext.Current.CancellationToken);
        using var registry = await node.SendAsync(HttpMethod.Get, "/v2/", authenticated: true);

        Assert.Equal("hello", file);
        Assert.Contains("apiVersion: v1", index, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.False(File.Exists(Path.Combine(node.Host.Store.Files.Directory, "kubean", "new.txt")));
        Assert.Contains($"\"files\": \"http://127.0.0.1:{node.FilesPort}\"", info, StringComparison.Ordinal);
        Assert.Contains($"\"registry\": \"https://127.0.0.1:{node.RegistryPort}\"", info, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, registry.StatusCode);
    }
}
