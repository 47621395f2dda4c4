using System.Text;
using Kindling.Artifacts.Http.Tests.Support;
using Kindling.Testing;

namespace Kindling.Artifacts.Http.Tests.Registry;

/// <summary>
/// containerd pulling <c>registry.k8s.io/pause:3.9</c> through a <c>hosts.toml</c> mirror that names the node, as
/// cluster nodes do in an offline DCE install: the image is served from the node's <c>registry.k8s.io/pause</c>.
/// </summary>
public class ContainerdMirrorTests
{
    [Fact]
    public async Task CtrPull_ThroughHostsTomlMirror_ServedFromNodeAndUnpacked()
    {
        Requires.Root("containerd runs as root");
        var containerd = Requires.Tool("containerd", "containerd");
        var ctr = Requires.Tool("ctr", "containerd");
        Requires.Tool("skopeo", "skopeo");
        await using var node = await NodeFixture.StartAsync();
        using var work = new TempDirectory("kindling-ctr");
        var layout = new OciLayoutBuilder(work.File("in"));
        var image = layout.AddImage("amd64", new Dictionary<string, byte[]> { ["pause"] = Encoding.UTF8.GetBytes("paused\n") }, "3.9");
        var push = await Skopeo.CopyAsync($"oci:{layout.Directory}:3.9", $"docker://{node.Registry}/registry.k8s.io/pause:3.9", TestPki.Shared.CaDirectory, node.Credentials);
        Assert.True(push.ExitCode == 0, push.ToString());

        // Both the mirror and the fallback server are this node: nothing leaves the loopback.
        var hosts = work.File("certs.d");
        work.Write("certs.d/registry.k8s.io/hosts.toml", $"""
            server = "{node.RegistryUrl}"
            ca = "{TestPki.Shared.CaFile}"

            [host."{node.RegistryUrl}"]
              capabilities = ["pull", "resolve"]
              ca = "{TestPki.Shared.CaFile}"
            """);
        var socket = work.File("c.sock");
        var config = work.Write("containerd.toml", $"""
            version = 2
            root = "{work.File("root")}"
            state = "{work.File("state")}"
            disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp"]
            [grpc]
              address = "{socket}"
            [ttrpc]
              address = "{socket}.ttrpc"
            [debug]
              address = ""
            [metrics]
              address = ""
            """);
        using var daemon = BackgroundProcess.Start(containerd, ["--config", config]);
        await WaitForSocketAsync(socket, daemon);

        var pull = await ProcessRunner.RunAsync(ctr, ["--address", socket, "images", "pull", "--hosts-dir", hosts, "--snapshotter", "native", "registry.k8s.io/pause:3.9"], TimeSpan.FromMinutes(2));
        var list = await ProcessRunner.RunAsync(ctr, ["--address", socket, "images", "list"], TimeSpan.FromMinutes(1));

        Assert.True(pull.ExitCode == 0, pull + "\n" + daemon.Output);
        Assert.Contains("unpacking", pull.StdOut, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(image.Digest, list.StdOut, StringComparison.Ordinal);
        Assert.True(node.Host.Metrics.Count("registry", "manifest") > 0, "the manifest came from the node");
        daemon.Signal(15);
        await daemon.WaitForExitAsync(TimeSpan.FromSeconds(20));
    }

    private static async Task WaitForSocketAsync(string socket, BackgroundProcess daemon)
    {
        for (var i = 0; i < 200 && !File.Exists(socket); i++)
        {
            Assert.False(daemon.HasExited, "containerd exited:\n" + daemon.Output);
            await Task.Delay(50);
        }

        Assert.True(File.Exists(socket), "containerd did not open its socket:\n" + daemon.Output);
    }
}
