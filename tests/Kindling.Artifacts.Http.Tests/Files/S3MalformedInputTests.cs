using System.Globalization;
using System.Xml.Linq;
using Kindling.Artifacts.Http.Tests.Support;
using Kindling.Testing;

namespace Kindling.Artifacts.Http.Tests.Files;

/// <summary>Issue 13, item 5: malformed Signature V4 and Range input gets a 4xx S3 error, never a 500; bodies are bounded.</summary>
public class S3MalformedInputTests
{
    private static string Now => DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("AWS4-HMAC-SHA256 Credential=admin/20250101/us-east-1/s3/aws4_request, Credential=admin/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00")]
    [InlineData("AWS4-HMAC-SHA256 Credential=admin/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, SignedHeaders=host, Signature=00")]
    [InlineData("AWS4-HMAC-SHA256 Credential=admin/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00, Extra=1")]
    [InlineData("AWS4-HMAC-SHA256 Credential=, SignedHeaders=host, Signature=00")]
    [InlineData("AWS4-HMAC-SHA256 garbage")]
    [InlineData("AWS4-HMAC-SHA256 Credential=admin/20250101/us-east-1/s3/aws4_request, SignedHeaders=Host;;X, Signature=00")]
    [InlineData("AWS4-HMAC-SHA256 Credential=admin//us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00")]
    public async Task MalformedSigV4Header_400AuthorizationHeaderMalformed_NodeStillServes(string authorization)
    {
        var curl = Requires.Tool("curl", "curl");
        await using var node = await NodeFixture.StartAsync();

        var result = await ProcessRunner.RunAsync(curl, ["-sS", "--cacert", TestPki.Shared.CaFile, "-X", "PUT", "--data-binary", "x",
            "-H", "Authorization: " + authorization, "-H", "x-amz-date: " + Now, "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD",
            "-w", "\n%{http_code}", $"https://127.0.0.1:{node.FilesPort}/kubean/a.txt"]);
        var lines = result.StdOut.TrimEnd().Split('\n');
        using var health = await node.Client.GetAsync($"https://127.0.0.1:{node.FilesPort}/healthz", TestContext.Current.CancellationToken);

        Assert.Equal("400", lines[^1]);
        Assert.Equal("AuthorizationHeaderMalformed", XDocument.Parse(string.Join('\n', lines[..^1])).Root!.Element("Code")!.Value);
        Assert.Null(node.Host.Store.Files.Find("kubean", "a.txt"));
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
    }

    [Theory]
    [InlineData("bytes=99999999999999999999-")]
    [InlineData("bytes=-99999999999999999999")]
    [InlineData("bytes=5-3")]
    [InlineData("bytes=--1")]
    [InlineData("bytes=a-b")]
    [InlineData("items=0-1")]
    [InlineData("bytes=0-1,3-4")]
    [InlineData("bytes=9223372036854775807-")]
    [InlineData("bytes=0-9223372036854775807")]
    public async Task MalformedRange_WholeObjectOr416_Never500(string range)
    {
        var curl = Requires.Tool("curl", "curl");
        await using var node = await NodeFixture.StartAsync();
        var path = Path.Combine(node.Host.Store.Files.Directory, "kubean", "ten.bin");
        await File.WriteAllBytesAsync(path, new byte[10], TestContext.Current.CancellationToken);

        var result = await ProcessRunner.RunAsync(curl, ["-sS", "--cacert", TestPki.Shared.CaFile, "-H", "Range: " + range, "-o", "/dev/null",
            "-w", "%{http_code}", $"https://127.0.0.1:{node.FilesPort}/kubean/ten.bin"]);

        Assert.Contains(result.StdOut.Trim(), new[] { "200", "206", "416" });
    }

    [Theory]
    [InlineData("/kubean/big.bin")]
    [InlineData("/kubean/big.bin?partNumber=1&uploadId=UPLOAD")]
    public async Task PutBodyOverTheLimit_ChunkedToo_400EntityTooLarge_NothingStored(string target)
    {
        var curl = Requires.Tool("curl", "curl");
        await using var node = await NodeFixture.StartAsync(configure: o => o with { MaxObjectPutBytes = 1024 * 1024 });
        using var work = new TempDirectory("kindling-s3-limit");
        var big = work.File("big.bin");
        await File.WriteAllBytesAsync(big, new byte[3 * 1024 * 1024], TestContext.Current.CancellationToken);
        var uploadId = node.Host.Store.Files.Multipart.Create("kubean", "big.bin");

        var result = await ProcessRunner.RunAsync(curl, ["-sS", "--cacert", TestPki.Shared.CaFile, "-u", node.Credentials, "-T", big,
            "-H", "Transfer-Encoding: chunked", "-w", "\n%{http_code}", $"https://127.0.0.1:{node.FilesPort}{target.Replace("UPLOAD", uploadId, StringComparison.Ordinal)}"]);
        var lines = result.StdOut.TrimEnd().Split('\n');

        Assert.Equal("400", lines[^1]);
        Assert.Equal("EntityTooLarge", XDocument.Parse(string.Join('\n', lines[..^1])).Root!.Element("Code")!.Value);
        Assert.Null(node.Host.Store.Files.Find("kubean", "big.bin"));
        Assert.Equal(["target"], Directory.EnumerateFiles(Path.Combine(node.Host.Store.Files.Multipart.Directory, uploadId)).Select(Path.GetFileName));
        Assert.Empty(Directory.EnumerateFiles(node.Host.Store.Blobs.TempDirectory));
    }
}
