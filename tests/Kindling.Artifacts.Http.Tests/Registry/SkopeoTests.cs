using System.Security.Cryptography;
using System.Text;
using Kindling.Artifacts.Http.Tests.Support;
using Kindling.Testing;

namespace Kindling.Artifacts.Http.Tests.Registry;

/// <summary>The real skopeo pushing OCI layouts into the node and pulling them back out.</summary>
public class SkopeoTests
{
    [Fact]
    public async Task Copy_OciLayoutInAndOut_IdenticalDigests()
    {
        Requires.Tool("skopeo", "skopeo");
        await using var node = await NodeFixture.StartAsync();
        using var work = new TempDirectory("kindling-skopeo");
        var layout = new OciLayoutBuilder(work.File("in"));
        var image = layout.AddImage("amd64", new Dictionary<string, byte[]> { ["etc/motd"] = Encoding.UTF8.GetBytes("hello from the bootstrap node\n") }, "v0.1");
        var target = $"docker://{node.Registry}/release.daocloud.io/kpanda/kpanda-apiserver:v0.1";

        var push = await Skopeo.CopyAsync($"oci:{layout.Directory}:v0.1", target, TestPki.Shared.CaDirectory, node.Credentials);
        var pull = await Skopeo.CopyAsync(target, $"oci:{work.File("out")}:v0.1", TestPki.Shared.CaDirectory, null);
        var raw = await Skopeo.InspectRawAsync(target, TestPki.Shared.CaDirectory);

        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal(Encoding.UTF8.GetString(layout.Read(image.Digest)), raw.StdOut.TrimEnd('\n'));
        var manifestOut = File.ReadAllBytes(Path.Combine(work.File("out"), "blobs", "sha256", image.Digest[7..]));
        Assert.Equal(image.Digest, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(manifestOut)));
        Assert.Equal(BlobNames(layout.Directory), BlobNames(work.File("out")));
        Assert.Empty(node.Host.Store.Registry.Verify());
    }

    [Fact]
    public async Task Copy_MultiArchIndexWithAll_EveryPlatformServed()
    {
        Requires.Tool("skopeo", "skopeo");
        await using var node = await NodeFixture.StartAsync();
        using var work = new TempDirectory("kindling-skopeo");
        var layout = new OciLayoutBuilder(work.File("in"));
        var amd = layout.AddImage("amd64", new Dictionary<string, byte[]> { ["arch"] = "amd64"u8.ToArray() });
        var arm = layout.AddImage("arm64", new Dictionary<string, byte[]> { ["arch"] = "arm64"u8.ToArray() });
        var index = layout.AddIndex("1.0", (amd, "amd64"), (arm, "arm64"));
        var target = $"docker://{node.Registry}/docker.io/library/multi:1.0";

        var push = await Skopeo.CopyAsync($"oci:{layout.Directory}:1.0", target, TestPki.Shared.CaDirectory, node.Credentials, "--all");
        var pull = await Skopeo.CopyAsync(target, $"oci:{work.File("out")}:1.0", TestPki.Shared.CaDirectory, null, "--all");
        var raw = await Skopeo.InspectRawAsync(target, TestPki.Shared.CaDirectory);

        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal(Encoding.UTF8.GetString(layout.Read(index.Digest)), raw.StdOut.TrimEnd('\n'));
        foreach (var manifest in new[] { amd, arm })
        {
            Assert.NotNull(node.Host.Store.Registry.FindManifest("docker.io/library/multi", manifest.Digest));
        }

        Assert.Equal(BlobNames(layout.Directory), BlobNames(work.File("out")));
    }

    [Fact]
    public async Task Copy_200MiBLayer_RoundTripsByDigest()
    {
        Requires.Tool("skopeo", "skopeo");
        await using var node = await NodeFixture.StartAsync();
        using var work = new TempDirectory("kindling-skopeo");
        var layout = new OciLayoutBuilder(work.File("in"));
        var image = layout.AddLargeImage(200L * 1024 * 1024, "big");
        var target = $"docker://{node.Registry}/library/big:1";

        // The layer is an uncompressed tar: without --preserve-digests skopeo would gzip it on the way in.
        var push = await Skopeo.CopyAsync($"oci:{layout.Directory}:big", target, TestPki.Shared.CaDirectory, node.Credentials, "--preserve-digests");
        var pull = await Skopeo.CopyAsync(target, $"oci:{work.File("out")}:big", TestPki.Shared.CaDirectory, null, "--preserve-digests");

        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.NotNull(node.Host.Store.Registry.FindManifest("library/big", image.Digest));
        Assert.True(node.Host.Store.Blobs.TotalBytes > 200L * 1024 * 1024);
        Assert.Equal(BlobNames(layout.Directory), BlobNames(work.File("out")));
    }

    [Fact]
    public async Task Copy_PushWithoutCredentials_RefusedAndNothingStored()
    {
        Requires.Tool("skopeo", "skopeo");
        await using var node = await NodeFixture.StartAsync();
        using var work = new TempDirectory("kindling-skopeo");
        var layout = new OciLayoutBuilder(work.File("in"));
        layout.AddImage("amd64", new Dictionary<string, byte[]> { ["x"] = "x"u8.ToArray() }, "v1");

        var push = await Skopeo.CopyAsync($"oci:{layout.Directory}:v1", $"docker://{node.Registry}/library/anon:v1", TestPki.Shared.CaDirectory, null);

        Assert.NotEqual(0, push.ExitCode);
        Assert.Contains("unauthorized", push.StdErr + push.StdOut, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, node.Host.Store.Blobs.Count);
        Assert.Null(node.Host.Store.Registry.FindManifest("library/anon", "v1"));
    }

    private static string[] BlobNames(string layout) =>
        Directory.GetFiles(Path.Combine(layout, "blobs", "sha256")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
}
