using System.Net;
using System.Text.Json;
using Kindling.Artifacts.Http.Tests.Support;
using Kindling.Testing;
using static Kindling.Artifacts.Http.Tests.Support.RegistryClient;

namespace Kindling.Artifacts.Http.Tests.Hosting;

/// <summary>/kindling/v1/info, /healthz and /metrics, answered on every port.</summary>
public class NodeEndpointsTests
{
    [Fact]
    public async Task Info_OnEveryPort_NamesEveryServiceWithTheHostTheClientUsed()
    {
        await using var node = await NodeFixture.StartAsync();

        foreach (var port in new[] { node.RegistryPort, node.ChartsPort, node.FilesPort })
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"https://127.0.0.1:{port}/kindling/v1/info");
            request.Headers.Host = $"www.tinder-node-server.com:{port}";
            using var response = await node.Client.SendAsync(request, TestContext.Current.CancellationToken);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            var services = json.RootElement.GetProperty("services");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("test-node", json.RootElement.GetProperty("name").GetString());
            Assert.Equal($"https://www.tinder-node-server.com:{node.RegistryPort}", services.GetProperty("registry").GetString());
            Assert.Equal($"https://www.tinder-node-server.com:{node.ChartsPort}", services.GetProperty("charts").GetString());
            Assert.Equal($"https://www.tinder-node-server.com:{node.FilesPort}", services.GetProperty("files").GetString());
        }
    }

    [Fact]
    public async Task Healthz_AllServicesAnswer_200WithOneEntryPerService()
    {
        await using var node = await NodeFixture.StartAsync();

        using var response = await node.Client.GetAsync($"https://127.0.0.1:{node.FilesPort}/healthz", TestContext.Current.CancellationToken);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", json.RootElement.GetProperty("storage").GetProperty("status").GetString());
        foreach (var service in new[] { "registry", "charts", "files" })
        {
            Assert.Equal("ok", json.RootElement.GetProperty("services").GetProperty(service).GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task Healthz_StoreNotWritable_503NamingTheStore()
    {
        await using var node = await NodeFixture.StartAsync();
        var temp = node.Host.Store.Blobs.TempDirectory;
        Directory.Delete(temp, recursive: true);
        await File.WriteAllTextAsync(temp, "not a folder", TestContext.Current.CancellationToken);
        try
        {
            using var response = await node.Client.GetAsync($"{node.RegistryUrl}/healthz", TestContext.Current.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("not readable and writable", body, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(temp);
            Directory.CreateDirectory(temp);
        }
    }

    [Fact]
    public async Task Metrics_CountRequestsBytesAndStoreSize()
    {
        await using var node = await NodeFixture.StartAsync();
        await PushImageAsync(node, "library/metrics", "v1", new string('x', 5000));
        (await node.SendAsync(HttpMethod.Get, "/v2/library/metrics/manifests/v1")).Dispose();

        using var response = await node.Client.GetAsync($"https://127.0.0.1:{node.ChartsPort}/metrics", TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("kindling_http_requests_total{service=\"registry\",route=\"manifest\",method=\"GET\",code=\"200\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("kindling_http_requests_total{service=\"registry\",route=\"upload\",method=\"PUT\",code=\"201\"} 2", text, StringComparison.Ordinal);
        Assert.Contains("kindling_http_request_duration_seconds_count{service=\"registry\",route=\"manifest\"}", text, StringComparison.Ordinal);
        Assert.Matches(@"kindling_store_bytes [1-9]\d{3,}", text);
        Assert.Contains("kindling_store_blobs 3", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_NameTheDataFolderDiskTheCertificateExpiryAndTheVersion()
    {
        await using var node = await NodeFixture.StartAsync();

        var text = await node.Client.GetStringAsync($"https://127.0.0.1:{node.FilesPort}/metrics", TestContext.Current.CancellationToken);
        var free = long.Parse(System.Text.RegularExpressions.Regex.Match(text, @"^kindling_data_free_bytes (\d+)$", System.Text.RegularExpressions.RegexOptions.Multiline).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var size = long.Parse(System.Text.RegularExpressions.Regex.Match(text, @"^kindling_data_size_bytes (\d+)$", System.Text.RegularExpressions.RegexOptions.Multiline).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var expiry = long.Parse(System.Text.RegularExpressions.Regex.Match(text, @"^kindling_certificate_expiry_timestamp_seconds\{certificate=""server""\} (\d+)$", System.Text.RegularExpressions.RegexOptions.Multiline).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

        Assert.InRange(free, 1, size);
        Assert.Equal(new DateTimeOffset(TestPki.Shared.LocalNode.NotAfter.ToUniversalTime()).ToUnixTimeSeconds(), expiry);
        Assert.Matches(@"kindling_build_info\{version=""[^""]+""\} 1", text);
    }

    [Fact]
    public async Task StatusPage_AtKindling_AndItsJson_NameTheDigestDiskAndCertificate()
    {
        await using var node = await NodeFixture.StartAsync();

        using var page = await node.Client.GetAsync($"https://127.0.0.1:{node.RegistryPort}/kindling/", TestContext.Current.CancellationToken);
        var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var status = await node.Client.GetStringAsync($"https://127.0.0.1:{node.ChartsPort}/kindling/v1/status", TestContext.Current.CancellationToken);
        var digest = await node.Client.GetStringAsync($"https://127.0.0.1:{node.ChartsPort}/kindling/v1/content-digest", TestContext.Current.CancellationToken);
        using var json = JsonDocument.Parse(status);
        using var digestJson = JsonDocument.Parse(digest);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'none'", string.Join(" ", page.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        Assert.Contains("/kindling/v1/status", html, StringComparison.Ordinal);
        Assert.Equal("test-node", json.RootElement.GetProperty("name").GetString());
        Assert.Equal(digestJson.RootElement.GetProperty("digest").GetString(), json.RootElement.GetProperty("contentDigest").GetString());
        Assert.True(json.RootElement.GetProperty("data").GetProperty("freeBytes").GetInt64() > 0);
        Assert.Equal(new DateTimeOffset(TestPki.Shared.LocalNode.NotAfter.ToUniversalTime()), json.RootElement.GetProperty("certificate").GetProperty("notAfter").GetDateTimeOffset());
    }
}
