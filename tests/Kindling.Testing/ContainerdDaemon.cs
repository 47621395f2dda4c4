namespace Kindling.Testing;

/// <summary>
/// A real <c>containerd</c> (Debian's, root only) with its own root, state and socket in a temp folder, so
/// <c>ctr</c> can fetch images with a given <c>--hosts-dir</c>. Only the content store is used (<c>ctr content
/// fetch</c> verifies every blob's digest as it commits it): no snapshotter, no CRI, nothing of the machine's.
/// </summary>
public sealed class ContainerdDaemon : IDisposable
{
    private readonly TempDirectory _dir;
    private readonly BackgroundProcess _process;

    private ContainerdDaemon(TempDirectory dir, BackgroundProcess process)
    {
        _dir = dir;
        _process = process;
    }

    public string Socket => _dir.File("containerd.sock");

    public string Ctr { get; } = Requires.Tool("ctr", "containerd");

    public string Output => _process.Output;

    public static async Task<ContainerdDaemon> StartAsync()
    {
        Requires.Root("containerd runs as root");
        var containerd = Requires.Tool("containerd", "containerd");
        var dir = new TempDirectory("kindling-ctrd");
        var config = dir.Write("config.toml", $"""
            version = 2
            root = "{dir.File("root")}"
            state = "{dir.File("state")}"
            disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
              "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp",
              "io.containerd.internal.v1.tracing"]
            [grpc]
              address = "{dir.File("containerd.sock")}"
            [ttrpc]
              address = "{dir.File("containerd.sock.ttrpc")}"
            [debug]
              address = ""
            [metrics]
              address = ""
            """);
        var process = BackgroundProcess.Start(containerd, ["--config", config]);
        var daemon = new ContainerdDaemon(dir, process);
        for (var i = 0; i < 100; i++)
        {
            if (File.Exists(daemon.Socket) && (await ProcessRunner.RunAsync(daemon.Ctr, ["--address", daemon.Socket, "version"], TimeSpan.FromSeconds(10))).ExitCode == 0)
            {
                return daemon;
            }

            await Task.Delay(100);
        }

        daemon.Dispose();
        throw new InvalidOperationException("containerd did not start:\n" + process.Output);
    }

    /// <summary>The arguments of <c>ctr content fetch --hosts-dir DIR REF</c> against this daemon.</summary>
    public string[] FetchArguments(string hostsDir, string reference) => ["--address", Socket, "content", "fetch", "--hosts-dir", hostsDir, reference];

    /// <summary>Forgets an image and its content, so the next fetch downloads every blob again.</summary>
    public async Task ForgetAsync(string reference)
    {
        await ProcessRunner.RunAsync(Ctr, ["--address", Socket, "images", "rm", reference], TimeSpan.FromSeconds(30));
        var content = await ProcessRunner.RunAsync(Ctr, ["--address", Socket, "content", "ls", "-q"], TimeSpan.FromSeconds(30));
        var digests = content.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (digests.Length > 0)
        {
            await ProcessRunner.RunAsync(Ctr, ["--address", Socket, "content", "rm", .. digests], TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>The manifest digest containerd recorded for a fetched image (<c>ctr images ls</c>), or null.</summary>
    public async Task<string?> ImageDigestAsync(string reference)
    {
        var list = await ProcessRunner.RunAsync(Ctr, ["--address", Socket, "images", "ls"], TimeSpan.FromSeconds(30));
        return list.StdOut.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .FirstOrDefault(f => f.Length > 2 && f[0] == reference)?[2];
    }

    public void Dispose()
    {
        _process.Dispose();
        _dir.Dispose();
    }
}
