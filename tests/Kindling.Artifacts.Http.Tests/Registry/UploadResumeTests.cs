using System.Net;
using Kindling.Artifacts.Http.Tests.Support;
using Kindling.Testing;
using static Kindling.Artifacts.Http.Tests.Support.RegistryClient;

namespace Kindling.Artifacts.Http.Tests.Registry;

/// <summary>A chunked upload whose client (curl) is killed mid-chunk, then resumed from the offset the registry reports.</summary>
public class UploadResumeTests
{
    [Fact]
    public async Task ChunkedUpload_ClientKilledMidChunk_ResumesFromReportedOffset()
    {
        var curl = Requires.Tool("curl", "curl");
        await using var node = await NodeFixture.StartAsync();
        using var work = new TempDirectory("kindling-resume");
        var content = new byte[16 * 1024 * 1024];
        Random.Shared.NextBytes(content);
        var file = work.File("blob.bin");
        await File.WriteAllBytesAsync(file, content, TestContext.Current.CancellationToken);
        using var start = await node.SendAsync(HttpMethod.Post, "/v2/library/resume/blobs/uploads/", authenticated: true);
        var location = start.Headers.Location!.ToString();

        // The first PATCH streams the whole blob at 2 MB/s; curl is killed (SIGKILL) once a few MB arrived.
        using (var patch = BackgroundProcess.Start(curl, ["-sS", "--limit-rate", "2M", "--cacert", TestPki.Shared.CaFile, "-u", node.Credentials,
            "-X", "PATCH", "-H", "Content-Type: application/octet-stream", "-H", $"Content-Range: 0-{content.Length - 1}", "--data-binary", $"@{file}", node.RegistryUrl + location]))
        {
            var offset = 0L;
            for (var i = 0; i < 200 && offset < 2 * 1024 * 1024; i++)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
                offset = await OffsetAsync(node, location);
            }

            patch.Signal(9);
            await patch.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        var received = await StableOffsetAsync(node, location);
        Assert.InRange(received, 1, content.Length - 1);

        var rest = work.File("rest.bin");
        await File.WriteAllBytesAsync(rest, content[(int)received..], TestContext.Current.CancellationToken);
        var resume = await ProcessRunner.RunAsync(curl, ["-sS", "-f", "--cacert", TestPki.Shared.CaFile, "-u", node.Credentials,
            "-X", "PATCH", "-H", "Content-Type: application/octet-stream", "-H", $"Content-Range: {received}-{content.Length - 1}", "--data-binary", $"@{rest}", node.RegistryUrl + location]);
        Assert.True(resume.ExitCode == 0, resume.ToString());
        using var close = await node.SendAsync(HttpMethod.Put, $"{location}?digest={DigestOf(content)}", authenticated: true);
        using var get = await node.SendAsync(HttpMethod.Get, $"/v2/library/resume/blobs/{DigestOf(content)}");

        Assert.Equal(HttpStatusCode.Created, close.StatusCode);
        Assert.Equal(DigestOf(content), DigestOf(await get.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)));
    }

    private static async Task<long> OffsetAsync(NodeFixture node, string location)
    {
        using var status = await node.SendAsync(HttpMethod.Get, location, authenticated: true);
        var range = status.Headers.GetValues("Range").Single();
        var end = long.Parse(range[(range.IndexOf('-', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return end == 0 ? 0 : end + 1;
    }

    /// <summary>The offset once the server has finished with the killed request (two equal readings in a row).</summary>
    private static async Task<long> StableOffsetAsync(NodeFixture node, string location)
    {
        var last = -1L;
        for (var i = 0; i < 50; i++)
        {
            var offset = await OffsetAsync(node, location);
            if (offset == last)
            {
                return offset;
            }

            last = offset;
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        return last;
    }
}
