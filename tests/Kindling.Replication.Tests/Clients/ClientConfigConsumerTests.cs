using System.Text.Json;
using Kindling.Replication.Tests.Support;
using Kindling.Testing;

namespace Kindling.Replication.Tests.Clients;

/// <summary>
/// Each generated file read by its real consumer against two real nodes (127.0.41.193/.194, both serving the sample
/// ISO and an image): containerd's <c>ctr</c>, <c>dnf</c> and <c>podman</c>. The domain is <c>localhost</c> on the
/// nodes' port, where nothing listens (the nodes listen on their own loopback addresses), so a success proves the
/// client read the file and fell back from the refused domain to a node; then the primary is killed with -9 and
/// the client must get everything from the backup.
/// </summary>
public class ClientConfigConsumerTests
{
    private const string Image = "library/app:v1";

    private sealed record Lab(NodePair Nodes, TempDirectory Package, string Out, string Domain, string Digest) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Nodes.DisposeAsync();
            Package.Dispose(); // after the nodes: they serve the ISO in it in place
        }
    }

    private static async Task<Lab> StartAsync(string format)
    {
        var package = new TempDirectory("kindling-sample");
        var sample = await ProcessRunner.KindlingAsync("package", "sample", "--out", package.Path);
        Assert.True(sample.ExitCode == 0, "package sample: " + sample);
        var nodes = await NodePair.StartAsync(domain: "localhost", bothArgs: ["--iso", Path.Combine(package.Path, "CentOS-7-x86_64-sample.iso")]);
        try
        {
            var layout = new TestLayout(nodes.Work.File("layout"));
            var digest = layout.AddImage(Image, layout.AddLayer(300_000)).Digest;
            await nodes.Primary.PushImageAsync(layout.Directory, Image);
            await nodes.Backup.PushImageAsync(layout.Directory, Image);
            var domain = $"localhost:{nodes.Primary.RegistryPort}";
            var output = nodes.Work.File("out-" + format);
            var written = await ProcessRunner.KindlingAsync("client-config", "--domain", domain, "--node", nodes.Primary.RegistryUrl, "--node", nodes.Backup.RegistryUrl,
                "--ca", nodes.Primary.CaFile, "--format", format, "--out", output);
            Assert.True(written.ExitCode == 0, "client-config: " + written);
            return new Lab(nodes, package, output, domain, digest);
        }
        catch
        {
            await nodes.DisposeAsync();
            package.Dispose();
            throw;
        }
    }

    [Fact]
    public async Task Containerd_CtrFetchesThroughHostsToml_FromTheBackupOnceThePrimaryIsKilled()
    {
        Requires.Root("containerd runs as root");
        await using var lab = await StartAsync("containerd");
        using var containerd = await ContainerdDaemon.StartAsync();
        var reference = $"{lab.Domain}/{Image}";
        foreach (var phase in new[] { "both nodes up", "primary killed" })
        {
            if (phase == "primary killed")
            {
                await lab.Nodes.Primary.KillAsync();
                await containerd.ForgetAsync(reference);
            }

            var fetch = await ProcessRunner.RunAsync(containerd.Ctr, containerd.FetchArguments(lab.Out, reference), TimeSpan.FromMinutes(1));
            Assert.True(fetch.ExitCode == 0, $"ctr content fetch ({phase}): {fetch}");
            Assert.Equal(lab.Digest, await containerd.ImageDigestAsync(reference));
        }
    }

    [Fact]
    public async Task Dnf_ReadsTheRepoFile_MakesCacheAndDownloads_FromTheBackupOnceThePrimaryIsKilled()
    {
        var dnf = Requires.Tool("dnf", "dnf");
        await using var lab = await StartAsync("dnf");
        var repo = Assert.Single(Directory.GetFiles(lab.Out, "*.repo"));
        Assert.Contains("centos-iso/7/os/x86_64", await File.ReadAllTextAsync(repo, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        foreach (var phase in new[] { "both nodes up", "primary killed" })
        {
            if (phase == "primary killed")
            {
                await lab.Nodes.Primary.KillAsync();
            }

            var work = lab.Nodes.Work.File("dnf-" + phase.Replace(' ', '-'));
            string[] common = ["-y", "--setopt=reposdir=" + lab.Out, "--setopt=cachedir=" + Path.Combine(work, "cache"), "--setopt=persistdir=" + Path.Combine(work, "persist"),
                "--installroot=" + Path.Combine(work, "root"), "--releasever=7", "--setopt=install_weak_deps=0"];
            var makecache = await ProcessRunner.RunAsync(dnf, [.. common, "makecache"], TimeSpan.FromMinutes(1));
            Assert.True(makecache.ExitCode == 0, $"dnf makecache ({phase}): {makecache}");
            var download = await ProcessRunner.RunAsync(dnf, [.. common, "install", "--downloadonly", "--downloaddir", Path.Combine(work, "rpms"), "kindling-sample-hello"], TimeSpan.FromMinutes(1));
            Assert.True(download.ExitCode == 0, $"dnf download ({phase}): {download}");
            Assert.Single(Directory.GetFiles(Path.Combine(work, "rpms"), "kindling-sample-hello-*.rpm"));
        }
    }

    [Fact]
    public async Task Podman_ReadsRegistriesConf_PullsFromTheBackupOnceThePrimaryIsKilled()
    {
        var podman = Requires.Tool("podman", "podman");
        Requires.Root("podman's storage here runs as root");
        await using var lab = await StartAsync("podman");
        var reference = $"{lab.Domain}/{Image}";
        var policy = lab.Nodes.Work.Write("policy.json", "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
        var env = new Dictionary<string, string> { ["CONTAINERS_REGISTRIES_CONF"] = Path.Combine(lab.Out, "registries.conf.d", "kindling.conf") };
        foreach (var phase in new[] { "both nodes up", "primary killed" })
        {
            if (phase == "primary killed")
            {
                await lab.Nodes.Primary.KillAsync();
            }

            using var storage = new TempDirectory("kp"); // podman refuses a runroot path over 50 characters
            string[] global = ["--root", storage.File("root"), "--runroot", storage.File("run"), "--storage-driver", "vfs"];
            var pull = await ProcessRunner.RunAsync(podman, [.. global, "pull", "--signature-policy", policy, "--cert-dir", Path.Combine(lab.Out, "certs.d", lab.Domain), reference],
                TimeSpan.FromMinutes(1), env: env);
            Assert.True(pull.ExitCode == 0, $"podman pull ({phase}): {pull}");
            var inspect = await ProcessRunner.RunAsync(podman, [.. global, "image", "inspect", reference], TimeSpan.FromMinutes(1));
            using var json = JsonDocument.Parse(inspect.StdOut);
            Assert.Equal(lab.Digest, json.RootElement[0].GetProperty("Digest").GetString());
        }
    }

    [Fact]
    public async Task ClientConfig_CertificateWithoutTheDomain_IsRefusedNamingTheNodeAndItsNames()
    {
        await using var nodes = await NodePair.StartAsync(domain: "www.tinder-node-server.com");
        var result = await ProcessRunner.KindlingAsync("client-config", "--domain", "www.other-domain.example", "--node", nodes.Primary.RegistryUrl,
            "--ca", nodes.Primary.CaFile, "--format", "containerd");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--node {nodes.Primary.RegistryUrl}", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("does not name www.other-domain.example", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("www.tinder-node-server.com", result.StdErr, StringComparison.Ordinal);

        var untrusted = await ProcessRunner.KindlingAsync("client-config", "--domain", "www.tinder-node-server.com", "--node", nodes.Primary.RegistryUrl, "--format", "containerd");
        Assert.Equal(2, untrusted.ExitCode);
        Assert.Contains("--ca", untrusted.StdErr, StringComparison.Ordinal);
    }
}
