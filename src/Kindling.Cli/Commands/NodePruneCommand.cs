using System.CommandLine;
using Kindling.Artifacts;
using Kindling.Installer;
using Kindling.Installer.Retention;
using Kindling.Installer.Service;

namespace Kindling.Cli.Commands;

/// <summary><c>kindling node prune</c>: the retention rule across upgrades, on a node's data folder (docs/offline-package.md).</summary>
internal static class NodePruneCommand
{
    public static Command Create()
    {
        var o = new Options();
        var peer = new PrunePeerOptions();
        var command = new Command("prune", "Remove what came from offline packages older than the last --keep-releases imported ones (tags and manifests, chart versions, files); content pushed by people is kept. A running node service is restarted to serve without it; blobs are freed by 'node gc'.").WithOptions(o.All.Concat(peer.All));

        command.SetAction((parse, cancellationToken) => RunAsync(o, peer, parse, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(Options o, PrunePeerOptions peer, ParseResult parse, CancellationToken cancellationToken)
    {
        var dataDir = Path.GetFullPath(parse.GetValue(o.Data)!);
        var keepReleases = parse.GetValue(o.Keep);
        if (keepReleases < 1)
        {
            throw new UsageException($"--keep-releases {keepReleases}: must be at least 1 (the latest release is what the node serves)");
        }

        if (!Directory.Exists(Path.Combine(dataDir, "store")))
        {
            throw new UsageException($"--data {dataDir}: not a node's data folder (no store/ in it)");
        }

        var peerRequest = peer.Parse(parse, dataDir);
        var isDryRun = parse.GetValue(o.DryRun);
        var log = ReleaseLog.Load(dataDir);
        if (log.Releases.Count == 0)
        {
            Console.WriteLine($"{log.Path}: no imported release is recorded; nothing came from a package, nothing to prune");
            return ExitCodes.Ok;
        }

        var control = new NodeServiceControl(dataDir, Environment.ProcessPath!);
        var running = control.Status().Running;
        var store = NodeStore.Open(dataDir, shared: running);
        var result = NodePruner.Prune(store, log, keepReleases, isDryRun);
        foreach (var line in result.Describe())
        {
            Console.WriteLine(line);
        }

        Console.WriteLine(result.ToString());
        if (!isDryRun && !result.Plan.IsEmpty)
        {
            await ServeWithoutPrunedAsync(control, running, dataDir, cancellationToken);
        }

        if (peerRequest is not null && !await PrunePeerOptions.PushAsync(peerRequest, result, cancellationToken))
        {
            return ExitCodes.Failure;
        }

        return ExitCodes.Ok;
    }

    /// <summary>Restarts a running node service with its last arguments so it serves without the pruned content.</summary>
    private static async Task ServeWithoutPrunedAsync(NodeServiceControl control, bool running, string dataDir, CancellationToken cancellationToken)
    {
        if (!running)
        {
            Console.WriteLine("the node service is not running: it serves without the pruned content when it starts");
            return;
        }

        var arguments = control.LastArguments() ?? throw new InstallerException($"the node service runs but {control.ArgumentsPath} is missing: restart it yourself ('kindling node start --data {dataDir} ...') so it serves the pruned content");
        var status = await control.StartAsync(arguments, cancellationToken);
        Console.WriteLine($"node service restarted ({status.Mode}) to serve without the pruned content: {status.Detail}");
    }

    /// <summary>The command's own options (the peer's are <see cref="PrunePeerOptions"/>).</summary>
    private sealed class Options
    {
        public Option<string> Data { get; } = new("--data") { Description = "The node's data folder", Required = true };
        public Option<int> Keep { get; } = new("--keep-releases") { Description = "Keep the content of this many of the latest imported packages (at least 1)", Required = true };
        public Option<bool> DryRun { get; } = new("--dry-run") { Description = "List what would be removed; change nothing" };

        public IEnumerable<Option> All => [Data, Keep, DryRun];
    }
}
