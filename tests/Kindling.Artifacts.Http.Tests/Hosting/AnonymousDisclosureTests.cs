using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kindling.Artifacts.Http.Tests.Support;
using Kindling.Testing;

namespace Kindling.Artifacts.Http.Tests.Hosting;

/// <summary>
/// Issue 13 item 6: what anyone who reaches a node may learn. No private bucket names in the content-digest
/// summary, no data-folder path in /healthz, uploaded pages never run on the node's origin, nosniff everywhere.
/// </summary>
public class AnonymousDisclosureTests
{
    [Fact]
    public async Task ContentDigest_Anonymous_NoPrivateBucketNames_SameDigest_AdminSeesThem()
    {
        await using var node = await NodeFixture.StartAsync();
        node.Host.Store.Files.CreateBucket("secret-payroll");
        await node.Host.Store.Files.PutAsync("secret-payroll", "q3.csv", new MemoryStream("x"u8.ToArray()), null, TestContext.Current.CancellationToken);
        await node.Host.Store.Files.PutAsync("kubean", "a.txt", new MemoryStream("y"u8.ToArray()), null, TestContext.Current.CancellationToken);
        var url = $"https://127.0.0.1:{node.FilesPort}/kindling/v1/content-digest";

        var anonymous = await node.Client.GetStringAsync(url, TestContext.Current.CancellationToken);
        using var asAdmin = await node.Client.SendAsync(Authenticated(node, url), TestContext.Current.CancellationToken);
        var admin = await asAdmin.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var entries = await node.Client.GetAsync(url + "?service=files&part=secret-payroll", TestContext.Current.CancellationToken);

        Assert.DoesNotContain("secret-payroll", anonymous, StringComparison.Ordinal);
        Assert.Contains("\"kubean\"", anonymous, StringComparison.Ordinal);
        Assert.Contains("secret-payroll", admin, StringComparison.Ordinal);
        using var a = JsonDocument.Parse(anonymous);
        using var b = JsonDocument.Parse(admin);
        Assert.Equal(b.RootElement.GetProperty("digest").GetString(), a.RootElement.GetProperty("digest").GetString());
        Assert.Equal(b.RootElement.GetProperty("services").GetProperty("files").GetProperty("digest").GetString(),
            a.RootElement.GetProperty("services").GetProperty("files").GetProperty("digest").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, entries.StatusCode);
    }

    [Fact]
    public async Task Healthz_Anonymous_NamesNoDataFolder_EvenWhenFailing()
    {
        await using var node = await NodeFixture.StartAsync();
        var ok = await node.Client.GetStringAsync($"{node.RegistryUrl}/healthz", TestContext.Current.CancellationToken);
        var temp = node.Host.Store.Blobs.TempDirectory;
        Directory.Delete(temp, recursive: true);
        await File.WriteAllTextAsync(temp, "not a folder", TestContext.Current.CancellationToken);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1.1), TestContext.Current.CancellationToken); // past the one-second cache
            using var failing = await node.Client.GetAsync($"{node.RegistryUrl}/healthz", TestContext.Current.CancellationToken);
            var body = await failing.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

            Assert.DoesNotContain(node.Data.Path, ok, StringComparison.Ordinal);
            Assert.DoesNotContain("\"path\"", ok, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failing.StatusCode);
            Assert.Contains("not readable and writable", body, StringComparison.Ordinal);
            Assert.DoesNotContain(node.Data.Path, body, StringComparison.Ordinal);
            Assert.Contains(node.Logs.Lines, l => l.Contains(node.Data.Path, StringComparison.Ordinal) && l.Contains("not readable and writable", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(temp);
            Directory.CreateDirectory(temp);
        }
    }

    [Fact]
    public async Task FilesPort_UploadedHtmlSvgJs_ServedAsAttachmentInSandbox_NoSniff_OthersKeepTheirType()
    {
        var curl = Requires.Tool("curl", "curl");
        await using var node = await NodeFixture.StartAsync();
        foreach (var key in new[] { "evil.html", "evil.svg", "evil.js", "repodata/repomd.xml", "pkg.rpm" })
        {
            await node.Host.Store.Files.PutAsync("kubean", key, new MemoryStream("<script>alert(document.domain)</script>"u8.ToArray()), null, TestContext.Current.CancellationToken);
        }

        var headers = new Dictionary<string, string>();
        foreach (var key in new[] { "evil.html", "evil.svg", "evil.js", "repodata/repomd.xml", "pkg.rpm" })
        {
            var result = await ProcessRunner.RunAsync(curl, ["-s", "-D", "-", "-o", "/dev/null", "--cacert", TestPki.Shared.CaFile, $"https://127.0.0.1:{node.FilesPort}/kubean/{key}"]);
            headers[key] = result.StdOut.ToLowerInvariant();
        }

        Assert.Contains("content-type: application/octet-stream", headers["evil.html"], StringComparison.Ordinal);
        Assert.Contains("content-disposition: attachment; filename=\"evil.html\"", headers["evil.html"], StringComparison.Ordinal);
        Assert.Contains("content-security-policy: sandbox", headers["evil.html"], StringComparison.Ordinal);
        Assert.Contains("x-content-type-options: nosniff", headers["evil.html"], StringComparison.Ordinal);
        Assert.Contains("content-disposition: attachment", headers["evil.svg"], StringComparison.Ordinal);
        Assert.DoesNotContain("image/svg", headers["evil.svg"], StringComparison.Ordinal);
        Assert.Contains("content-disposition: attachment", headers["evil.js"], StringComparison.Ordinal);
        Assert.Contains("content-type: application/xml", headers["repodata/repomd.xml"], StringComparison.Ordinal);
        Assert.Contains("content-disposition: attachment", headers["repodata/repomd.xml"], StringComparison.Ordinal);
        Assert.Contains("content-type: application/x-rpm", headers["pkg.rpm"], StringComparison.Ordinal);
        Assert.DoesNotContain("content-disposition", headers["pkg.rpm"], StringComparison.Ordinal);
        Assert.Contains("x-content-type-options: nosniff", headers["pkg.rpm"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegistryAndCharts_EveryAnswerCarriesNoSniff()
    {
        await using var node = await NodeFixture.StartAsync();

        using var registry = await node.Client.GetAsync($"{node.RegistryUrl}/v2/", TestContext.Current.CancellationToken);
        using var index = await node.Client.GetAsync($"https://127.0.0.1:{node.ChartsPort}/index.yaml", TestContext.Current.CancellationToken);
        using var missing = await node.Client.GetAsync($"https://127.0.0.1:{node.ChartsPort}/charts/none-1.0.0.tgz", TestContext.Current.CancellationToken);

        foreach (var response in new[] { registry, index, missing })
        {
            Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));
        }
    }

    private static HttpRequestMessage Authenticated(NodeFixture node, string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(node.Credentials)));
        return request;
    }
}
