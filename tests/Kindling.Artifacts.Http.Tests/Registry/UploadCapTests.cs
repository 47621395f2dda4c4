using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;
using Kindling.Artifacts.Files;
using Kindling.Artifacts.Http.Tests.Support;
using static Kindling.Artifacts.Http.Tests.Support.RegistryClient;

namespace Kindling.Artifacts.Http.Tests.Registry;

/// <summary>Issue 13, item 5: 3,000 upload sessions held 3,000 open files for 24 h. Sessions are capped and hold no file.</summary>
public class UploadCapTests
{
    private const string Name = "library/capped";

    [Fact]
    public async Task ManyUploadSessions_CappedPerClientWith429_NoFileHeld_PushStillWorksAfterCancel()
    {
        await using var node = await NodeFixture.StartAsync();
        var perClient = node.Host.Store.Uploads.Limits.MaxPerClient;
        var locations = new List<string>();
        HttpResponseMessage refused;
        while (true)
        {
            var start = await node.SendAsync(HttpMethod.Post, $"/v2/{Name}/blobs/uploads/", authenticated: true);
            if (start.StatusCode != HttpStatusCode.Accepted)
            {
                refused = start;
                break;
            }

            locations.Add(start.Headers.Location!.ToString());
            using var chunk = await node.SendAsync(HttpMethod.Patch, locations[^1], authenticated: true, new ByteArrayContent(new byte[1000]));
            Assert.Equal(HttpStatusCode.Accepted, chunk.StatusCode);
            start.Dispose();
        }

        var held = Directory.EnumerateFileSystemEntries("/proc/self/fd")
            .Select(fd => new FileInfo(fd).LinkTarget ?? "")
            .Count(target => target.StartsWith(node.Host.Store.Uploads.Directory, StringComparison.Ordinal));
        var code = await ErrorCodeAsync(refused);
        var message = await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        refused.Dispose();
        using (await node.SendAsync(HttpMethod.Delete, locations[0], authenticated: true))
        {
        }

        var digest = await PushBlobAsync(node, Name, Encoding.UTF8.GetBytes("after the cap"));

        Assert.Equal(perClient, locations.Count);
        Assert.Equal("TOOMANYREQUESTS", code);
        Assert.Contains("limit per client", message, StringComparison.Ordinal);
        Assert.Equal(0, held);
        Assert.StartsWith("sha256:", digest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManyMultipartUploads_CappedWith503SlowDown_AbortFreesASlot()
    {
        await using var node = await NodeFixture.StartAsync(configure: o => o with { Multipart = new MultipartLimits { MaxOpen = 4 } });
        var url = $"https://127.0.0.1:{node.FilesPort}/kubean/big.iso?uploads";
        var ids = new List<string>();
        HttpResponseMessage last;
        while (true)
        {
            last = await node.Client.SendAsync(Authenticated(node, HttpMethod.Post, url), TestContext.Current.CancellationToken);
            if (last.StatusCode != HttpStatusCode.OK)
            {
                break;
            }

            ids.Add(XDocument.Parse(await last.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Root!.Elements().Single(e => e.Name.LocalName == "UploadId").Value);
            last.Dispose();
        }

        var status = last.StatusCode;
        var error = XDocument.Parse(await last.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Root!;
        last.Dispose();
        using var abort = await node.Client.SendAsync(Authenticated(node, HttpMethod.Delete, $"https://127.0.0.1:{node.FilesPort}/kubean/big.iso?uploadId={ids[0]}"), TestContext.Current.CancellationToken);
        using var again = await node.Client.SendAsync(Authenticated(node, HttpMethod.Post, url), TestContext.Current.CancellationToken);

        Assert.Equal(4, ids.Count);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("SlowDown", error.Element("Code")!.Value);
        Assert.Contains("4 multipart uploads in progress", error.Element("Message")!.Value, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, abort.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    private static HttpRequestMessage Authenticated(NodeFixture node, HttpMethod method, string url)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(node.Credentials)));
        return request;
    }
}
