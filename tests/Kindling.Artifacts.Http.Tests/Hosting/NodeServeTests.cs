using System.Diagnostics;
using System.Security.Cryptography;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;
using Kindling.Artifacts.Http.Tests.Support;
using Kindling.Testing;

namespace Kindling.Artifacts.Http.Tests.Hosting;

/// <summary>The real <c>kindling node serve</c> process: first start, SIGTERM draining, and kill -9 during a push.</summary>
public class NodeServeTests
{
    [Fact]
    public async Task Serve_EmptyDataDir_CreatesPkiAndCredentials_SigtermDrainsDownloadAndExits0()
    {
        var curl = Requires.Tool("curl", "curl");
        using var work = new TempDirectory("kindling-serve");
        var data = work.File("data");
        using var node = await ServedNode.StartAsync(data);

        var credentials = Path.Combine(data, "admin-credentials");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(credentials));
        Assert.Matches("^admin:[A-Za-z0-9]{24}$", node.Credentials);
        Assert.Contains(node.Credentials.Split(':')[1], node.Process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(node.Credentials.Split(':')[1], File.ReadAllText(Path.Combine(data, "htpasswd")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(data, "pki", "server.key")));

        // A 48 MiB blob, then a download throttled to ~12 MB/s (about 4 s), interrupted by SIGTERM after 1 s.
        var blob = new byte[48 * 1024 * 1024];
        Random.Shared.NextBytes(blob);
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(blob));
        var blobFile = work.Write("blob.bin", "");
        await File.WriteAllBytesAsync(blobFile, blob, TestContext.Current.CancellationToken);
        var ca = Path.Combine(node.CaDirectory, "ca.crt");
        var push = await ProcessRunner.RunAsync(curl, ["-sS", "-f", "--cacert", ca, "-u", node.Credentials, "-X", "POST", "--data-binary", $"@{blobFile}",
            "-H", "Content-Type: application/octet-stream", $"https://{node.Registry}/v2/library/drain/blobs/uploads/?digest={digest}"]);
        Assert.True(push.ExitCode == 0, push.ToString());

        var output = work.File("download.bin");
        var download = ProcessRunner.RunAsync(curl, ["-sS", "-f", "--limit-rate", "12M", "--cacert", ca, "-o", output, $"https://{node.Registry}/v2/library/drain/blobs/{digest}"]);
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        var stopwatch = Stopwatch.StartNew();
        node.Process.Signal(15);
        var exit = await node.Process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var downloaded = await download;

        Assert.True(downloaded.ExitCode == 0, downloaded.ToString());
        Assert.Equal(digest, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(output, TestContext.Current.CancellationToken))));
        Assert.Equal(0, exit);
        Assert.True(stopwatch.Elapsed > TimeSpan.FromSeconds(1), "the server waited for the download before exiting");
        Assert.Contains("node stopped", node.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KillDashNine_DuringPush_StoreConsistentAfterRestartAndPushCompletes()
    {
        Requires.Tool("skopeo", "skopeo");
        using var work = new TempDirectory("kindling-crash");
        var data = work.File("data");
        var layout = new OciLayoutBuilder(work.File("in"));
        for (var i = 0; i < 6; i++)
        {
            layout.AddImage("amd64", new Dictionary<string, byte[]> { [$"file{i}"] = RandomNumberGenerator.GetBytes(2 * 1024 * 1024) }, $"small{i}");
        }

        var big = layout.AddLargeImage(96L * 1024 * 1024, "big");
        var crashes = 0;
        foreach (var delay in new[] { 300, 1500 })
        {
            using var node = await ServedNode.StartAsync(data);
            var credentials = node.Credentials;
            var pushes = new List<Task<ProcessResult>>();
            foreach (var tag in new[] { "big", "small0", "small1", "small2", "small3", "small4", "small5" })
            {
                pushes.Add(SkopeoPush(node, layout, tag, credentials));
            }

            await Task.Delay(delay, TestContext.Current.CancellationToken);
            await node.KillAsync();
            var results = await Task.WhenAll(pushes);
            crashes += results.Count(r => r.ExitCode != 0);
            AssertConsistent(data);
        }

        Assert.True(crashes > 0, "at least one push was cut by the kill");

        // After the crashes the node starts, drops temporary files, and the same push completes.
        using (var node = await ServedNode.StartAsync(data))
        {
            var again = await SkopeoPush(node, layout, "big", node.Credentials);
            Assert.True(again.ExitCode == 0, again.ToString());
            var raw = await Skopeo.InspectRawAsync($"docker://{node.Registry}/library/crash:big", node.CaDirectory);
            Assert.Equal(System.Text.Encoding.UTF8.GetString(layout.Read(big.Digest)), raw.StdOut.TrimEnd('\n'));
            await node.KillAsync();
        }

        AssertConsistent(data);
    }

    private static Task<ProcessResult> SkopeoPush(ServedNode node, OciLayoutBuilder layout, string tag, string credentials) =>
        Skopeo.CopyAsync($"oci:{layout.Directory}:{tag}", $"docker://{node.Registry}/library/crash:{tag}", node.CaDirectory, credentials, "--preserve-digests");

    /// <summary>Opens the store as the next start would, and checks every tag, manifest and blob.</summary>
    private static void AssertConsistent(string data)
    {
        var blobs = BlobStore.Open(Path.Combine(data, "store"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(blobs.TempDirectory));
        var registry = RegistryStore.Open(blobs);
        Assert.Empty(registry.Verify());
        foreach (var digest in blobs.Enumerate())
        {
            Assert.True(blobs.Verify(digest), $"blob {digest} does not hash to its name");
        }
    }
}
