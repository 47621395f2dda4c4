using System.CommandLine;
using Kindling.Replication.Prune;
using Kindling.Installer.Hosts;
using Kindling.Installer.Network;
using Kindling.Installer;
using Kindling.Installer.Plan;
using Kindling.Installer.Service;
using Kindling.Installer.Steps;

namespace Kindling.Cli.Commands;

/// <summary><c>kindling cluster-create</c>: DCE's installer command, for the bootstrap node's steps 1–5.</summary>
internal static class ClusterCreateCommand
{
    public static Command Create()
    {
        var o = new Options();
        var command = new Command("cluster-create", "Install (or upgrade) this bootstrap node from DCE's ClusterConfig: steps 1-5.")
        {
            o.Config, o.Manifest, o.Steps, o.Upgrade, o.DryRun, o.Data, o.HostsFile, o.Dns, o.TinderHostIp, o.LogFile, o.CaFrom, o.ForceHosts, o.MaxTasks,
            o.Debug, o.Quiet, o.ReplicateFrom, o.ReplicateCredentials, o.ReplicateCa, o.ReplicateInterval, o.Prune, o.KeepReleases,
        };
        command.WithOptions(o.PrunePeer.All);

        command.SetAction((parse, cancellationToken) => RunAsync(parse, o, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, Options o, CancellationToken cancellationToken)
    {
        var request = ReadRequest(parse, o);
        var clusterConfig = InputFiles.LoadClusterConfig(request.ConfigPath);
        var dceManifest = request.ManifestPath is null ? null : InputFiles.LoadManifest(request.ManifestPath);
        IHostResolver resolver = request.Dns is null ? new SystemHostResolver() : new DnsServerResolver(request.Dns);
        var plan = await InstallPlan.CreateAsync(request, clusterConfig, dceManifest, new SystemNodeNetwork(), resolver, cancellationToken);
        var peerRequest = o.PrunePeer.Parse(parse, plan.DataDir);
        var isQuiet = parse.GetValue(o.Quiet);
        if (!isQuiet || parse.GetValue(o.DryRun))
        {
            foreach (var line in plan.Describe())
            {
                Console.WriteLine(line);
            }
        }

        if (plan.Hosts is { Refused: true })
        {
            await Console.Error.WriteLineAsync($"kindling: step 2 would stop here: {plan.Hosts.Explanation}");
            return ExitCodes.Failure;
        }

        if (parse.GetValue(o.DryRun))
        {
            Console.WriteLine("Dry run: nothing was changed.");
            return ExitCodes.Ok;
        }

        return await InstallAsync(plan, peerRequest, parse.GetValue(o.LogFile)!, isQuiet, parse.GetValue(o.MaxTasks), cancellationToken);
    }

    /// <summary>The request the options describe, after the checks that need no file: steps, targets, the replication options.</summary>
    private static ClusterCreateRequest ReadRequest(ParseResult parse, Options o)
    {
        if (!StepSelection.TryParse(parse.GetValue(o.Steps), out var selection, out var stepError))
        {
            throw new UsageException(stepError);
        }

        IReadOnlyList<string> targets = [];
        if (parse.GetValue(o.Upgrade) is { } upgradeText && !UpgradeTargets.TryParse(upgradeText, out targets, out var upgradeError))
        {
            throw new UsageException(upgradeError);
        }

        if (parse.GetValue(o.MaxTasks) < 1)
        {
            throw new UsageException($"--max-tasks {parse.GetValue(o.MaxTasks)}: must be at least 1");
        }

        var replicateUrl = CheckReplication(parse, o);
        CheckPrune(parse, o, selection);
        return new ClusterCreateRequest
        {
            ConfigPath = parse.GetValue(o.Config)!,
            ManifestPath = parse.GetValue(o.Manifest),
            Steps = selection,
            Upgrade = targets,
            DataDir = parse.GetValue(o.Data),
            HostsFilePath = parse.GetValue(o.HostsFile)!,
            Dns = InputFiles.ParseEndpoint(parse.GetValue(o.Dns), "--dns", 53),
            TinderHostIp = InputFiles.ParseIp(parse.GetValue(o.TinderHostIp), "-t"),
            CaFrom = parse.GetValue(o.CaFrom),
            ForceHosts = parse.GetValue(o.ForceHosts),
            ReplicateFrom = replicateUrl,
            ReplicateCredentials = parse.GetValue(o.ReplicateCredentials),
            ReplicateCa = parse.GetValue(o.ReplicateCa) ?? [],
            ReplicateInterval = parse.GetValue(o.ReplicateInterval),
            Prune = parse.GetValue(o.Prune),
            KeepReleases = parse.GetValue(o.KeepReleases),
        };
    }

    /// <summary>--keep-releases and --prune-peer go with --prune, which runs in step 5 and keeps at least one release.</summary>
    private static void CheckPrune(ParseResult parse, Options o, StepSelection selection)
    {
        if (parse.GetValue(o.Prune) && parse.GetValue(o.KeepReleases) < 1)
        {
            throw new UsageException($"--keep-releases {parse.GetValue(o.KeepReleases)}: must be at least 1 (the latest release is what the node serves)");
        }

        if (parse.GetValue(o.Prune) && !selection.Includes(5))
        {
            throw new UsageException($"--prune runs in step 5 (after the images are imported), which -j {selection.Text} does not include");
        }

        if (!parse.GetValue(o.Prune) && (parse.GetValue(o.PrunePeer.Peer) is not null || parse.GetResult(o.KeepReleases) is { Implicit: false }))
        {
            throw new UsageException("--keep-releases and --prune-peer go with --prune");
        }
    }

    /// <summary>The primary a backup follows (--replicate-from), or null; the other --replicate-* options only go with it, and their files must exist.</summary>
    private static Uri? CheckReplication(ParseResult parse, Options o)
    {
        var replicateUrl = parse.GetValue(o.ReplicateFrom) is { } from ? ReplicationUrl(from) : null;
        if (replicateUrl is null && (parse.GetValue(o.ReplicateCredentials) is not null || parse.GetValue(o.ReplicateCa) is { Length: > 0 } || parse.GetValue(o.ReplicateInterval) is not null))
        {
            throw new UsageException("--replicate-credentials, --replicate-ca and --replicate-interval go with --replicate-from URL (the primary to follow)");
        }

        if (parse.GetValue(o.ReplicateInterval) is { } interval)
        {
            _ = NodeReplicationOptions.ParseInterval(interval);
        }

        foreach (var file in (string?[])[parse.GetValue(o.ReplicateCredentials), .. parse.GetValue(o.ReplicateCa) ?? []])
        {
            if (file is not null && !File.Exists(file))
            {
                throw new UsageException($"{file}: no such file (given to --replicate-credentials or --replicate-ca)");
            }
        }

        return replicateUrl;
    }

    /// <summary>Runs the selected steps, logging to <paramref name="logFile"/> (or DATA/logs), and prints how long they took.</summary>
    private static async Task<int> InstallAsync(InstallPlan plan, PeerPruneRequest? peerRequest, string logFile, bool quiet, int maxTasks, CancellationToken cancellationToken, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var started = time.GetTimestamp();
        using var log = new InstallLog(OpenLog(logFile, plan.DataDir), new ConsoleInstallReporter(quiet));
        log.Write($"kindling cluster-create {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}");
        using var context = new InstallContext(plan, log, new NodeServiceControl(plan.DataDir, Environment.ProcessPath!, time: time), maxTasks, time);
        try
        {
            await Installation.Standard().RunAsync(context, cancellationToken);
        }
        catch (InstallerException e)
        {
            log.Write("failed: " + e.Message);
            throw;
        }

        // The backup is pruned once this node serves without the pruned content (restarted in step 5), so its
        // replication cannot copy it back from here.
        if (peerRequest is not null && context.Pruned is { } pruned && !await PrunePeerOptions.PushAsync(peerRequest, pruned, cancellationToken))
        {
            log.Write("failed: the prune of the peer did not complete");
            return ExitCodes.Failure;
        }

        Console.WriteLine($"done in {time.GetElapsedTime(started).TotalSeconds:0.0} s: steps {string.Join(",", plan.Request.Steps.Steps)} of the bootstrap node at {plan.NodeIp.Address}");
        return ExitCodes.Ok;
    }

    private static Uri ReplicationUrl(string text)
    {
        try
        {
            return Kindling.Replication.Nodes.NodeEndpoints.ParseUrl(text, "--replicate-from");
        }
        catch (Kindling.Replication.ReplicationException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>The log file; when the default /var/log is not writable (no root), DATA/logs/kindling.log instead.</summary>
    private static StreamWriter OpenLog(string path, string dataDir)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            return new StreamWriter(path, append: true);
        }
        catch (UnauthorizedAccessException)
        {
            var fallback = Path.Combine(dataDir, "logs", "kindling.log");
            Console.Error.WriteLine($"kindling: warning: cannot write {path}; logging to {fallback}");
            Directory.CreateDirectory(Path.GetDirectoryName(fallback)!);
            return new StreamWriter(fallback, append: true);
        }
    }

    /// <summary>The command's options, DCE's flags first.</summary>
    private sealed class Options
    {
        public Option<string> Config { get; } = new("--config", "-c") { Description = "The ClusterConfig file (DCE's clusterConfig.yaml)", Required = true };
        public Option<string?> Manifest { get; } = new("--manifest", "-m") { Description = "DCE's manifest.yaml (validated and reported)" };
        public Option<string> Steps { get; } = new("--steps", "-j") { Description = "Steps to run: a list (1,2,4), from N on (2+), or one (3). Default 1+", DefaultValueFactory = _ => "1+" };
        public Option<string?> Upgrade { get; } = new("--upgrade", "-u") { Description = "Upgrade targets; Kindling handles tinder (the bootstrap node)" };
        public Option<bool> DryRun { get; } = new("--dry-run", "-y") { Description = "Print the plan and change nothing" };
        public Option<string?> Data { get; } = new("--data") { Description = "The node's data folder (default: spec.tinderKind.resourcesMountPath)" };
        public Option<string> HostsFile { get; } = new("--hosts-file") { Description = "The hosts file domain-name mode edits", DefaultValueFactory = _ => "/etc/hosts" };
        public Option<string?> Dns { get; } = new("--dns") { Description = "Resolve the domain through this DNS server (ADDR[:PORT]) instead of the system's resolver" };
        public Option<string?> TinderHostIp { get; } = new("--tinder-host-ip", "-t") { Description = "This node's IP, when it is not the one on the default route" };
        public Option<string> LogFile { get; } = new("--logfile", "-l") { Description = "Log file", DefaultValueFactory = _ => "/var/log/kindling.log" };
        public Option<string?> CaFrom { get; } = new("--ca-from") { Description = "Import the primary's CA from this folder (see 'kindling ca export --with-key')" };
        public Option<bool> ForceHosts { get; } = new("--force-hosts") { Description = "Add the hosts entry even when the domain resolves to another node" };
        public Option<int> MaxTasks { get; } = new("--max-tasks") { Description = "Parallel tasks (DCE flag)", DefaultValueFactory = _ => 4 };
        public Option<bool> Debug { get; } = new("--debug", "-d") { Description = "Verbose output" };
        public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Print only warnings, errors and the result" };
        public Option<string?> ReplicateFrom { get; } = new("--replicate-from") { Description = "Install a backup that follows this primary (its registry URL, e.g. https://10.0.0.1:443): the node service keeps in step with it" };
        public Option<string?> ReplicateCredentials { get; } = new("--replicate-credentials") { Description = "With --replicate-from: file with the primary's user:password, to copy back what this backup received while it served" };
        public Option<string[]> ReplicateCa { get; } = new("--replicate-ca") { Description = "With --replicate-from: the primary's CA certificate when it is not the imported one; repeatable" };
        public Option<string?> ReplicateInterval { get; } = new("--replicate-interval") { Description = "With --replicate-from: time between rounds (default 30s)" };
        public Option<bool> Prune { get; } = new("--prune") { Description = "After importing (step 5), remove what came only from packages older than the last --keep-releases (tags and manifests, chart versions, files); content pushed by people is kept" };
        public Option<int> KeepReleases { get; } = new("--keep-releases") { Description = "With --prune: keep the content of this many of the latest imported packages", DefaultValueFactory = _ => 2 };
        public PrunePeerOptions PrunePeer { get; } = new();
    }
}
