using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Kindling.Artifacts.Http.Files;
using Kindling.Artifacts.Http.Tests.Support;
using Kindling.Testing;

#pragma warning disable CA5351 // MD5: the S3 ETag format under test

namespace Kindling.Artifacts.Http.Tests.Files;

/// <summary>Multipart uploads and aws-chunked bodies: what aws-cli and rclone send for large files.</summary>
public partial class S3ClientTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AwsCli_LargeUpload_IsMultipart_StoredWhole(bool defaultChecksums)
    {
        var aws = Requires.Tool("aws", "awscli");
        await using var node = await NodeFixture.StartAsync();
        using var work = new TempDirectory("kindling-aws-mp");
        var content = RandomNumberGenerator.GetBytes(20 * 1024 * 1024 + 12345);
        var local = work.File("large.bin");
        await File.WriteAllBytesAsync(local, content, TestContext.Current.CancellationToken);
        var env = AwsEnv(work, node);
        if (defaultChecksums)
        {
            // Current aws-cli then sends each part aws-chunked with a CRC trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER).
            env.Remove("AWS_REQUEST_CHECKSUM_CALCULATION");
            env.Remove("AWS_RESPONSE_CHECKSUM_VALIDATION");
        }

        var upload = await ProcessRunner.RunAsync(aws, Aws(node, "s3", "cp", local, "s3://kubean/large/large.bin"), env: env);
        var download = await ProcessRunner.RunAsync(aws, Aws(node, "s3", "cp", "s3://kubean/large/large.bin", work.File("back.bin")), env: env);
        using var head = await node.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"https://127.0.0.1:{node.FilesPort}/kubean/large/large.bin"), TestContext.Current.CancellationToken);

        Assert.True(upload.ExitCode == 0, upload.ToString());
        Assert.Contains("multipart upload", string.Join('\n', node.Logs.Lines), StringComparison.Ordinal);
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(node.Host.Store.Files.Directory, "kubean", "large", "large.bin"), TestContext.Current.CancellationToken));
        Assert.True(download.ExitCode == 0, download.ToString());
        Assert.Equal(content, await File.ReadAllBytesAsync(work.File("back.bin"), TestContext.Current.CancellationToken));
        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(content))}\"", head.Headers.ETag!.Tag);
        Assert.Empty(Directory.EnumerateFileSystemEntries(node.Host.Store.Files.Multipart.Directory));
    }

    [Fact]
    public async Task Rclone_MultipartUpload_StoredWhole()
    {
        var rclone = Requires.Tool("rclone", "rclone");
        await using var node = await NodeFixture.StartAsync();
        using var work = new TempDirectory("kindling-rclone-mp");
        var content = RandomNumberGenerator.GetBytes(12 * 1024 * 1024);
        Directory.CreateDirectory(work.File("src"));
        await File.WriteAllBytesAsync(work.File("src/big.bin"), content, TestContext.Current.CancellationToken);
        var env = new Dictionary<string, string> { ["HOME"] = work.Path, ["AWS_CA_BUNDLE"] = "" };
        string[] remote = ["--s3-provider", "Minio", "--s3-endpoint", $"https://127.0.0.1:{node.FilesPort}", "--ca-cert", TestPki.Shared.CaFile,
            "--s3-env-auth=false", "--s3-access-key-id", node.User, "--s3-secret-access-key", node.Password, "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M",
            // The object's ETag is the MD5 of its bytes, not S3's MD5-of-part-MD5s (see docs/storage-layout.md).
            "--s3-use-multipart-etag=false"];

        var copy = await ProcessRunner.RunAsync(rclone, ["copy", "--retries", "1", work.File("src"), ":s3:kubean/rclone", .. remote], env: env);

        Assert.True(copy.ExitCode == 0, copy.ToString());
        Assert.Contains("multipart upload", string.Join('\n', node.Logs.Lines), StringComparison.Ordinal);
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(node.Host.Store.Files.Directory, "kubean", "rclone", "big.bin"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Multipart_BadCompletions_RefusedWithS3Codes_NothingStored_AbortCleansUp()
    {
        await using var node = await NodeFixture.StartAsync();
        var url = $"https://127.0.0.1:{node.FilesPort}/kubean/mp/object.bin";
        var auth = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(node.Credentials)));
        var ct = TestContext.Current.CancellationToken;

        async Task<(HttpStatusCode Status, string Body, string? ETag)> Send(HttpMethod method, string target, HttpContent? content = null)
        {
            using var request = new HttpRequestMessage(method, target) { Content = content };
            request.Headers.Authorization = auth;
            using var response = await node.Client.SendAsync(request, ct);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(ct), response.Headers.ETag?.Tag);
        }

        static string Complete(params (int Number, string? ETag)[] parts) =>
            "<CompleteMultipartUpload>" + string.Concat(parts.Select(p => $"<Part><PartNumber>{p.Number}</PartNumber><ETag>{p.ETag}</ETag></Part>")) + "</CompleteMultipartUpload>";

        var created = await Send(HttpMethod.Post, url + "?uploads");
        var id = System.Xml.Linq.XDocument.Parse(created.Body).Root!.Elements().Single(e => e.Name.LocalName == "UploadId").Value;
        var small = await Send(HttpMethod.Put, $"{url}?partNumber=1&uploadId={id}", new ByteArrayContent(new byte[1024]));
        var last = await Send(HttpMethod.Put, $"{url}?partNumber=2&uploadId={id}", new ByteArrayContent(new byte[10]));

        var wrongETag = await Send(HttpMethod.Post, $"{url}?uploadId={id}", new StringContent(Complete((1, small.ETag), (2, "\"00000000000000000000000000000000\""))));
        var missingPart = await Send(HttpMethod.Post, $"{url}?uploadId={id}", new StringContent(Complete((1, small.ETag), (3, last.ETag))));
        var outOfOrder = await Send(HttpMethod.Post, $"{url}?uploadId={id}", new StringContent(Complete((2, last.ETag), (1, small.ETag))));
        var tooSmall = await Send(HttpMethod.Post, $"{url}?uploadId={id}", new StringContent(Complete((1, small.ETag), (2, last.ETag))));
        var malformed = await Send(HttpMethod.Post, $"{url}?uploadId={id}", new StringContent("<CompleteMultipartUpload><Part>"));
        var otherKey = await Send(HttpMethod.Post, $"https://127.0.0.1:{node.FilesPort}/kubean/mp/other.bin?uploadId={id}", new StringContent(Complete((2, last.ETag))));
        var badPartNumber = await Send(HttpMethod.Put, $"{url}?partNumber=10001&uploadId={id}", new ByteArrayContent(new byte[1]));
        var anonymous = await node.Client.PostAsync(url + "?uploads", null, ct);
        var aborted = await Send(HttpMethod.Delete, $"{url}?uploadId={id}");
        var afterAbort = await Send(HttpMethod.Post, $"{url}?uploadId={id}", new StringContent(Complete((2, last.ETag))));

        Assert.Equal(HttpStatusCode.OK, created.Status);
        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(new byte[1024]))}\"", small.ETag);
        Assert.Equal((HttpStatusCode.BadRequest, true), (wrongETag.Status, wrongETag.Body.Contains("<Code>InvalidPart</Code>", StringComparison.Ordinal)));
        Assert.Contains("part 3 was not uploaded", missingPart.Body, StringComparison.Ordinal);
        Assert.Contains("<Code>InvalidPartOrder</Code>", outOfOrder.Body, StringComparison.Ordinal);
        Assert.Contains("<Code>EntityTooSmall</Code>", tooSmall.Body, StringComparison.Ordinal);
        Assert.Contains("<Code>MalformedXML</Code>", malformed.Body, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.NotFound, true), (otherKey.Status, otherKey.Body.Contains("<Code>NoSuchUpload</Code>", StringComparison.Ordinal)));
        Assert.Contains("partNumber 10001: must be from 1 to 10000", badPartNumber.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, aborted.Status);
        Assert.Equal(HttpStatusCode.NotFound, afterAbort.Status);
        Assert.False(File.Exists(Path.Combine(node.Host.Store.Files.Directory, "kubean", "mp", "object.bin")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(node.Host.Store.Files.Multipart.Directory));
    }

    [Theory]
    [InlineData("5\r\nhello\r\n6;chunk-signature=x\r\n world\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", 11L, "hello world")]
    [InlineData("0\r\n\r\n", 0L, "")]
    [InlineData("5\r\nhello\r\n0\r\n\r\n", null, "hello")]
    public async Task AwsChunked_Decodes(string body, long? decodedLength, string expected)
    {
        await using var stream = new AwsChunkedStream(new MemoryStream(Encoding.ASCII.GetBytes(body)), decodedLength);
        using var reader = new StreamReader(stream);

        Assert.Equal(expected, await reader.ReadToEndAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("zz\r\nhello\r\n0\r\n\r\n", null, "does not start with a hexadecimal size")]
    [InlineData("5\r\nhel", null, "ends inside a chunk")]
    [InlineData("5\r\nhelloXX0\r\n\r\n", null, "not followed by CRLF")]
    [InlineData("5\r\nhello\r\n", null, "ends before its final zero-size chunk")]
    [InlineData("5\r\nhello\r\n0\r\n\r\n", 6L, "decodes to 5 bytes, not the 6")]
    public async Task AwsChunked_Malformed_Throws(string body, long? decodedLength, string expected)
    {
        await using var stream = new AwsChunkedStream(new MemoryStream(Encoding.ASCII.GetBytes(body)), decodedLength);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new StreamReader(stream).ReadToEndAsync(TestContext.Current.CancellationToken));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
