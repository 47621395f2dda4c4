using System.Net;
using Kindling.Artifacts.Http.Hosting;
using Kindling.Artifacts.Http.Tests.Support;
using Kindling.Testing;

namespace Kindling.Artifacts.Http.Tests.Iso;

/// <summary>An OS repository served straight from an ISO file, queried and downloaded by the real dnf.</summary>
public class IsoRepositoryTests
{
    [Fact]
    public async Task Dnf_RepoqueryAndDownload_FromRepositoryInsideIso()
    {
        var dnf = Requires.Tool("dnf", "dnf");
        using var work = new TempDirectory("kindling-iso");
        var (iso, rpm) = await TestIso.BuildAsync(work);
        await using var node = await NodeFixture.StartAsync(configure: o => o with { IsoImages = [new IsoSource(iso)] });
        var baseUrl = $"https://127.0.0.1:{node.FilesPort}/kubean/centos-iso/7/os/x86_64";
        string[] common =
        [
            "--setopt=reposdir=/nonexistent", $"--setopt=cachedir={work.File("cache")}", $"--installroot={work.File("root")}", "--releasever=7",
            $"--repofrompath=kindling,{baseUrl}", $"--setopt=kindling.sslcacert={TestPki.Shared.CaFile}", "--setopt=kindling.gpgcheck=0",
            "--repo=kindling", "-q",
        ];

        var query = await ProcessRunner.RunAsync(dnf, [.. common, "repoquery", TestIso.LongPackage]);
        // 'dnf download' is a plugin (dnf-plugins-core); core dnf downloads with install --downloadonly.
        var download = await ProcessRunner.RunAsync(dnf, [.. common, "install", "-y", "--downloadonly", $"--downloaddir={work.File("downloaded")}", TestIso.LongPackage]);

        Assert.True(query.ExitCode == 0, query.ToString());
        Assert.Contains($"{TestIso.LongPackage}-0:1.0-1.noarch", query.StdOut, StringComparison.Ordinal);
        Assert.True(download.ExitCode == 0, download.ToString());
        Assert.Equal(await File.ReadAllBytesAsync(work.File($"tree/Packages/{rpm}"), TestContext.Current.CancellationToken),
            await File.ReadAllBytesAsync(work.File($"downloaded/{rpm}"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Iso_ListedAndRangeRead_InBucketKubean()
    {
        using var work = new TempDirectory("kindling-iso");
        var (iso, rpm) = await TestIso.BuildAsync(work);
        await using var node = await NodeFixture.StartAsync(configure: o => o with { IsoImages = [new IsoSource(iso)] });
        var url = $"https://127.0.0.1:{node.FilesPort}/kubean";

        var listing = await node.Client.GetStringAsync($"{url}?list-type=2&prefix=centos-iso/7/os/x86_64/Packages/", TestContext.Current.CancellationToken);
        var request = new HttpRequestMessage(HttpMethod.Get, $"{url}/centos-iso/7/os/x86_64/Packages/{rpm}");
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 3);
        using var head = await node.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Contains($"<Key>centos-iso/7/os/x86_64/Packages/{rpm}</Key>", listing, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.PartialContent, head.StatusCode);
        Assert.Equal([0xED, 0xAB, 0xEE, 0xDB], await head.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)); // RPM lead magic
    }

    [Fact]
    public async Task CorruptIso_ReportedByHealthz_EverythingElseStillServed()
    {
        using var work = new TempDirectory("kindling-iso");
        var (iso, _) = await TestIso.BuildAsync(work);
        var truncated = work.File("truncated.iso");
        var bytes = await File.ReadAllBytesAsync(iso, TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(truncated, bytes[..(20 * 2048)], TestContext.Current.CancellationToken);
        await using var node = await NodeFixture.StartAsync(configure: o => o with { IsoImages = [new IsoSource(truncated)] });

        using var health = await node.Client.GetAsync($"{node.RegistryUrl}/healthz", TestContext.Current.CancellationToken);
        var body = await health.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var registry = await node.SendAsync(HttpMethod.Get, "/v2/", authenticated: true);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Contains("truncated.iso", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, registry.StatusCode);
        Assert.Contains(node.Logs.Lines, l => l.Contains("cannot serve ISO", StringComparison.Ordinal));
    }
}
