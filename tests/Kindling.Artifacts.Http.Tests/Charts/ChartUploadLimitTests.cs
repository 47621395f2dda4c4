using System.Net;
using Kindling.Artifacts.Http.Tests.Support;
using Kindling.Testing;

namespace Kindling.Artifacts.Http.Tests.Charts;

/// <summary>
/// Issue 13, item 5: a chunked chart upload of 300 MiB was buffered whole (1 GB of memory) before the 64 MiB check.
/// The body is now counted while it streams and reading stops at the limit.
/// </summary>
public class ChartUploadLimitTests
{
    private const long Sent = 300L * 1024 * 1024;

    [Theory]
    [InlineData("raw")]
    [InlineData("form")]
    public async Task ChunkedUploadOf300MiB_413AtTheLimit_NothingStored_MemoryBounded(string shape)
    {
        var curl = Requires.Tool("curl", "curl");
        await using var node = await NodeFixture.StartAsync(configure: o => o with { AllowPlainHttpWrites = true });
        using var work = new TempDirectory("kindling-chart-limit");
        var big = work.File("big.tgz");
        using (var file = File.Create(big))
        {
            file.SetLength(Sent);
        }

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var upload = shape == "raw" ? new[] { "--data-binary", "@" + big } : ["-F", "chart=@" + big];
        var result = await ProcessRunner.RunAsync(curl, ["-sS", "--cacert", TestPki.Shared.CaFile, "-u", node.Credentials,
            "-H", "Transfer-Encoding: chunked", .. upload, "-w", "\n%{http_code}", $"https://127.0.0.1:{node.ChartsPort}/api/charts"], timeout: TimeSpan.FromMinutes(2));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        using var list = await node.Client.GetAsync($"https://127.0.0.1:{node.ChartsPort}/api/charts", TestContext.Current.CancellationToken);

        var lines = result.StdOut.TrimEnd().Split('\n');
        Assert.Equal("413", lines[^1]);
        Assert.Contains("larger than the 64 MiB limit", result.StdOut, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal("{}", await list.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, node.Host.Store.Blobs.Count);
        // The archive is held at most once, up to the limit (a growing buffer allocates about twice that).
        Assert.True(allocated < 200L * 1024 * 1024, $"{allocated / (1024 * 1024)} MiB allocated while refusing a {Sent / (1024 * 1024)} MiB upload");
    }
}
