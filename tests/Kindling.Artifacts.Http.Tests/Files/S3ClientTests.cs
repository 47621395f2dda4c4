using System.Net;
using System.Security.Cryptography;
using Kindling.Artifacts.Http.Tests.Support;
using Kindling.Testing;

#pragma warning disable CA5351 // MD5: the S3 ETag format under test

namespace Kindling.Artifacts.Http.Tests.Files;

/// <summary>The file store driven by the real aws-cli, s3cmd, rclone and curl.</summary>
public partial class S3ClientTests
{
    /// <summary>1,250 objects in kubean: more than one 1,000-key page, in nested folders for delimiters.</summary>
    private static void Populate(NodeFixture node)
    {
        var root = Path.Combine(node.Host.Store.Files.Directory, "kubean");
        for (var i = 0; i < 1250; i++)
        {
            var path = Path.Combine(root, "centos", "7", "os", "x86_64", "Packages", $"pkg-{i:D4}.rpm");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, $"package {i}\n");
        }

        var binary = Path.Combine(root, "github.com", "containerd", "nerdctl", "releases", "download", "v1.7.0", "nerdctl-1.7.0-linux-amd64.tar.gz");
        Directory.CreateDirectory(Path.GetDirectoryName(binary)!);
        File.WriteAllBytes(binary, Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray());
    }

    private static Dictionary<string, string> AwsEnv(TempDirectory work, NodeFixture? signedAs = null)
    {
        var config = work.Write("aws-config", "[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n");
        var env = new Dictionary<string, string>
        {
            ["AWS_CONFIG_FILE"] = config,
            ["AWS_SHARED_CREDENTIALS_FILE"] = work.File("no-credentials"),
            ["AWS_REQUEST_CHECKSUM_CALCULATION"] = "when_required",
            ["AWS_RESPONSE_CHECKSUM_VALIDATION"] = "when_required",
            ["HOME"] = work.Path,
        };
        if (signedAs is not null)
        {
            env["AWS_ACCESS_KEY_ID"] = signedAs.User;
            env["AWS_SECRET_ACCESS_KEY"] = signedAs.Password;
        }

        return env;
    }

    private static string[] Aws(NodeFixture node, params string[] args) =>
        [.. args, "--endpoint-url", $"https://127.0.0.1:{node.FilesPort}", "--ca-bundle", TestPki.Shared.CaFile];

    [Fact]
    public async Task AwsCli_AnonymousListWithPaginationPrefixDelimiter_AndCopy()
    {
        var aws = Requires.Tool("aws", "awscli");
        await using var node = await NodeFixture.StartAsync();
        using var work = new TempDirectory("kindling-aws");
        Populate(node);
        var env = AwsEnv(work);

        var recursive = await ProcessRunner.RunAsync(aws, Aws(node, "s3", "ls", "--no-sign-request", "--recursive", "s3://kubean/centos/"), env: env);
        var top = await ProcessRunner.RunAsync(aws, Aws(node, "s3", "ls", "--no-sign-request", "s3://kubean/"), env: env);
        var copy = await ProcessRunner.RunAsync(aws, Aws(node, "s3", "cp", "--no-sign-request",
            "s3://kubean/github.com/containerd/nerdctl/releases/download/v1.7.0/nerdctl-1.7.0-linux-amd64.tar.gz", work.File("nerdctl.tgz")), env: env);
        var missing = await ProcessRunner.RunAsync(aws, Aws(node, "s3", "cp", "--no-sign-request", "s3://kubean/no/such/key", work.File("x")), env: env);

        Assert.True(recursive.ExitCode == 0, recursive.ToString());
        Assert.Equal(1250, recursive.StdOut.Split('\n').Count(l => l.Contains(".rpm", StringComparison.Ordinal)));
        Assert.Contains("PRE centos/", top.StdOut, StringComparison.Ordinal);
        Assert.Contains("PRE github.com/", top.StdOut, StringComparison.Ordinal);
        Assert.True(copy.ExitCode == 0, copy.ToString());
        Assert.Equal(300_000, new FileInfo(work.File("nerdctl.tgz")).Length);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("404", missing.StdErr, StringComparison.Ordinal);
        Assert.True(node.Host.Metrics.Count("files", "list") >= 3, "1,250 keys need two pages");
    }

    [Fact]
    public async Task AwsCli_SignedUpload_StoredWithMd5ETag_AnonymousUploadRefused()
    {
        var aws = Requires.Tool("aws", "awscli");
        await using var node = await NodeFixture.StartAsync();
        using var work = new TempDirectory("kindling-aws");
        var content = RandomNumberGenerator.GetBytes(3 * 1024 * 1024);
        var local = work.File("upload.bin");
        await File.WriteAllBytesAsync(local, content, TestContext.Current.CancellationToken);

        var upload = await ProcessRunner.RunAsync(aws, Aws(node, "s3", "cp", local, "s3://kubean/uploads/upload.bin"), env: AwsEnv(work, node));
        var anonymous = await ProcessRunner.RunAsync(aws, Aws(node, "s3", "cp", "--no-sign-request", local, "s3://kubean/uploads/anon.bin"), env: AwsEnv(work));
        var wrongSecret = AwsEnv(work, node);
        wrongSecret["AWS_SECRET_ACCESS_KEY"] = "wrong";
        var forged = await ProcessRunner.RunAsync(aws, Aws(node, "s3", "cp", local, "s3://kubean/uploads/forged.bin"), env: wrongSecret);
        using var head = await node.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"https://127.0.0.1:{node.FilesPort}/kubean/uploads/upload.bin"), TestContext.Current.CancellationToken);

        Assert.True(upload.ExitCode == 0, upload.ToString());
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(node.Host.Store.Files.Directory, "kubean", "uploads", "upload.bin"), TestContext.Current.CancellationToken));
        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(content))}\"", head.Headers.ETag!.Tag);
        Assert.NotEqual(0, anonymous.ExitCode);
        Assert.NotEqual(0, forged.ExitCode);
        Assert.False(File.Exists(Path.Combine(node.Host.Store.Files.Directory, "kubean", "uploads", "anon.bin")));
        Assert.False(File.Exists(Path.Combine(node.Host.Store.Files.Directory, "kubean", "uploads", "forged.bin")));
    }

    [Fact]
    public async Task S3cmd_SignedListAndGet_Rclone_AnonymousListAndCopy()
    {
        var s3cmd = Requires.Tool("s3cmd", "s3cmd");
        var rclone = Requires.Tool("rclone", "rclone");
        await using var node = await NodeFixture.StartAsync();
        using var work = new TempDirectory("kindling-s3cmd");
        Populate(node);
        var config = work.Write("s3cfg", $"""
            [default]
            access_key = {node.User}
            secret_key = {node.Password}
            host_base = 127.0.0.1:{node.FilesPort}
            host_bucket = 127.0.0.1:{node.FilesPort}
            use_https = True
            check_ssl_certificate = True
            ca_certs_file = {TestPki.Shared.CaFile}
            signature_v2 = False
            bucket_location = us-east-1
            """);

        var list = await ProcessRunner.RunAsync(s3cmd, ["-c", config, "ls", "--recursive", "s3://kubean/centos/"]);
        var get = await ProcessRunner.RunAsync(s3cmd, ["-c", config, "get", "s3://kubean/centos/7/os/x86_64/Packages/pkg-1234.rpm", work.File("pkg.rpm")]);
        var rcloneEnv = new Dictionary<string, string> { ["HOME"] = work.Path, ["AWS_CA_BUNDLE"] = "" };
        string[] remote = ["--s3-provider", "Minio", "--s3-endpoint", $"https://127.0.0.1:{node.FilesPort}", "--ca-cert", TestPki.Shared.CaFile, "--s3-env-auth=false"];
        var rcloneList = await ProcessRunner.RunAsync(rclone, ["lsf", "-R", ":s3:kubean/centos/7/os/x86_64/Packages", .. remote], env: rcloneEnv);
        var rcloneCopy = await ProcessRunner.RunAsync(rclone, ["copy", ":s3:kubean/github.com", work.File("mirror"), .. remote], env: rcloneEnv);

        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Equal(1250, list.StdOut.Split('\n').Count(l => l.Contains(".rpm", StringComparison.Ordinal)));
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal("package 1234\n", await File.ReadAllTextAsync(work.File("pkg.rpm"), TestContext.Current.CancellationToken));
        Assert.True(rcloneList.ExitCode == 0, rcloneList.ToString());
        Assert.Equal(1250, rcloneList.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.True(rcloneCopy.ExitCode == 0, rcloneCopy.ToString());
        Assert.Equal(300_000, new FileInfo(work.File("mirror/containerd/nerdctl/releases/download/v1.7.0/nerdctl-1.7.0-linux-amd64.tar.gz")).Length);
    }

    [Theory]
    [InlineData("/kubean/../../../etc/passwd")]
    [InlineData("/kubean/%2e%2e/%2e%2e/etc/passwd")]
    [InlineData("/kubean/a/..%2f..%2f..%2fescape")]
    [InlineData("/kubean/a%5c..%5c..%5cescape")]
    [InlineData("/kubean//etc/passwd")]
    [InlineData("/kubean/%2fetc%2fpasswd")]
    public async Task CurlUpload_KeyEscapingTheBucket_RefusedAndNothingWritten(string path)
    {
        var curl = Requires.Tool("curl", "curl");
        await using var node = await NodeFixture.StartAsync();
        using var work = new TempDirectory("kindling-curl");
        var body = work.Write("body.txt", "escaped!");

        var result = await ProcessRunner.RunAsync(curl, ["-s", "--path-as-is", "-o", work.File("out"), "-w", "%{http_code}", "--cacert", TestPki.Shared.CaFile,
            "-u", node.Credentials, "-T", body, $"https://127.0.0.1:{node.FilesPort}{path}"]);

        Assert.StartsWith("4", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("<Code>", await File.ReadAllTextAsync(work.File("out"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
        // Every stored file (run/ holds the node's admin socket, which cannot be read as a file).
        var stored = Directory.EnumerateFiles(node.Data.Path, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(Path.Combine(node.Data.Path, "run") + Path.DirectorySeparatorChar, StringComparison.Ordinal));
        Assert.DoesNotContain(stored, f => File.ReadAllText(f) == "escaped!");
        Assert.False(File.Exists(Path.Combine(node.Host.Store.Files.Directory, "escape")));
    }

    [Fact]
    public async Task CurlBasicUpload_ThenRangeGet_AndErrorsInS3Xml()
    {
        var curl = Requires.Tool("curl", "curl");
        await using var node = await NodeFixture.StartAsync();
        using var work = new TempDirectory("kindling-curl");
        var body = work.Write("body.txt", "0123456789");
        var url = $"https://127.0.0.1:{node.FilesPort}";

        var put = await ProcessRunner.RunAsync(curl, ["-s", "-f", "--cacert", TestPki.Shared.CaFile, "-u", node.Credentials, "-T", body, $"{url}/kubean/docs/readme.txt"]);
        var range = new HttpRequestMessage(HttpMethod.Get, $"{url}/kubean/docs/readme.txt");
        range.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(2, 4);
        using var partial = await node.Client.SendAsync(range, TestContext.Current.CancellationToken);
        using var noBucket = await node.Client.GetAsync($"{url}/nosuchbucket/x", TestContext.Current.CancellationToken);
        using var privateRead = await node.Client.GetAsync($"{url}/private-bucket/x", TestContext.Current.CancellationToken);
        using var noKey = await node.Client.GetAsync($"{url}/kubean/docs/missing.txt", TestContext.Current.CancellationToken);

        Assert.True(put.ExitCode == 0, put.ToString());
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("234", await partial.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("text/plain", partial.Content.Headers.ContentType!.MediaType);
        Assert.NotNull(partial.Content.Headers.LastModified);
        Assert.Contains("<Code>AccessDenied</Code>", await noBucket.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Contains("<Code>AccessDenied</Code>", await privateRead.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, noKey.StatusCode);
        Assert.Contains("<Code>NoSuchKey</Code>", await noKey.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}
