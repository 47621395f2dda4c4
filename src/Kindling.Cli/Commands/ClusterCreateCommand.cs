using System.CommandLine;
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
        var config = new Option<string>("--config", "-c") { Description = "The ClusterConfig file (DCE's clusterConfig.yaml)", Required = true };
        var manifest = new Option<string?>("--manifest", "-m") { Description = "DCE's manifest.yaml (validated and reported)" };
        var steps = new Option<string>("--steps", "-j") { Description = "Steps to run: a list (1,2,4), from N on (2+), or one (3). Default 1+", DefaultValueFactory = _ => "1+" };
        var upgrade = new Option<string?>("--upgrade", "-u") { Description = "Upgrade targets; Kindling handles tinder (the bootstrap node)" };
        var dryRun = new Option<bool>("--dry-run", "-y") { Description = "Print the plan and change nothing" };
        var data = new Option<string?>("--data") { Description = "The node's data folder (default: spec.tinderKind.resourcesMountPath)" };
        var hostsFile = new Option<string>("--hosts-file") { Description = "The hosts file domain-name mode edits", DefaultValueFactory = _ => "/etc/hosts" };
        var dns = new Option<string?>("--dns") { Description = "Resolve the domain through this DNS server (ADDR[:PORT]) instead of the system's resolver" };
        var tinderHostIp = new Option<string?>("--tinder-host-ip", "-t") { Description = "This node's IP, when it is not the one on the default route" };
        var logFile = new Option<string>("--logfile", "-l") { Description = "Log file", DefaultValueFactory = _ => "/var/log/kindling.log" };
        var caFrom = new Option<string?>("--ca-from") { Description = "Import the primary's CA from this folder (see 'kindling ca export --with-key')" };
        var forceHosts = new Option<bool>("--force-hosts") { Description = "Add the hosts entry even when the domain resolves to another node" };
        var maxTasks = new Option<int>("--max-tasks") { Description = "Parallel tasks (DCE flag)", DefaultValueFactory = _ => 4 };
        var debug = new Option<bool>("--debug", "-d") { Description = "Verbose output" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only warnings, errors and the result" };
        var replicateFrom = new Option<string?>("--replicate-from") { Description = "Install a backup that follows this primary (its registry URL, e.g. https://10.0.0.1:443): the node service keeps in step with it" };
        var replicateCredentials = new Option<string?>("--replicate-credentials") { Description = "With --replicate-from: file with the primary's user:password, to copy back what this backup received while it served" };
        var replicateCa = new Option<string[]>("--replicate-ca") { Description = "With --replicate-from: the primary's CA certificate when it is not the imported one; repeatable" };
        var replicateInterval = new Option<string?>("--replicate-interval") { Description = "With --replicate-from: time between rounds (default 30s)" };
        var prune = new Option<bool>("--prune") { Description = "After importing (step 5), remove what came only from packages older than the last --keep-releases (tags and manifests, chart versions, files); content pushed by people is kept" };
        var keepReleases = new Option<int>("--keep-releases") { Description = "With --prune: keep the content of this many of the latest imported packages", DefaultValueFactory = _ => 2 };
        var prunePeer = new PrunePeerOptions();

        var command = new Command("cluster-create", "Install (or upgrade) this bootstrap node from DCE's ClusterConfig: steps 1-5.")
        {
            config, manifest, steps, upgrade, dryRun, data, hostsFile, dns, tinderHostIp, logFile, caFrom, forceHosts, maxTasks, debug, quiet,
            replicateFrom, replicateCredentials, replicateCa, replicateInterval, prune, keepReleases,
        };
        foreach (var option in prunePeer.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!StepSelection.TryParse(parse.GetValue(steps), out var selection, out var stepError))
            {
                throw new UsageException(stepError);
            }

            IReadOnlyList<string> targets = [];
            if (parse.GetValue(upgrade) is { } upgradeText && !UpgradeTargets.TryParse(upgradeText, out targets, out var upgradeError))
            {
                throw new UsageException(upgradeError);
            }

            if (parse.GetValue(maxTasks) < 1)
            {
                throw new UsageException($"--max-tasks {parse.GetValue(maxTasks)}: must be at least 1");
            }

            var replicateUrl = parse.GetValue(replicateFrom) is { } from ? ReplicationUrl(from) : null;
            if (replicateUrl is null && (parse.GetValue(replicateCredentials) is not null || parse.GetValue(replicateCa) is { Length: > 0 } || parse.GetValue(replicateInterval) is not null))
            {
                throw new UsageException("--replicate-credentials, --replicate-ca and --replicate-interval go with --replicate-from URL (the primary to follow)");
            }

            if (parse.GetValue(replicateInterval) is { } interval)
            {
                _ = NodeReplicationOptions.ParseInterval(interval);
            }

            foreach (var file in (string?[])[parse.GetValue(replicateCredentials), .. parse.GetValue(replicateCa) ?? []])
            {
                if (file is not null && !File.Exists(file))
                {
                    throw new UsageException($"{file}: no such file (given to --replicate-credentials or --replicate-ca)");
                }
            }

            if (parse.GetValue(prune) && parse.GetValue(keepReleases) < 1)
            {
                throw new UsageException($"--keep-releases {parse.GetValue(keepReleases)}: must be at least 1 (the latest release is what the node serves)");
            }

            if (parse.GetValue(prune) && !selection.Includes(5))
            {
                throw new UsageException($"--prune runs in step 5 (after the images are imported), which -j {selection.Text} does not include");
            }

            if (!parse.GetValue(prune) && (parse.GetValue(prunePeer.Peer) is not null || parse.GetResult(keepReleases) is { Implicit: false }))
            {
                throw new UsageException("--keep-releases and --prune-peer go with --prune");
            }

            var request = new ClusterCreateRequest
            {
                ConfigPath = parse.GetValue(config)!,
                ManifestPath = parse.GetValue(manifest),
                Steps = selection,
                Upgrade = targets,
                DataDir = parse.GetValue(data),
                HostsFilePath = parse.GetValue(hostsFile)!,
                Dns = InputFiles.ParseEndpoint(parse.GetValue(dns), "--dns", 53),
                TinderHostIp = InputFiles.ParseIp(parse.GetValue(tinderHostIp), "-t"),
                CaFrom = parse.GetValue(caFrom),
                ForceHosts = parse.GetValue(forceHosts),
                ReplicateFrom = replicateUrl,
                ReplicateCredentials = parse.GetValue(replicateCredentials),
                ReplicateCa = parse.GetValue(replicateCa) ?? [],
                ReplicateInterval = parse.GetValue(replicateInterval),
                Prune = parse.GetValue(prune),
                KeepReleases = parse.GetValue(keepReleases),
            };
            var clusterConfig = InputFiles.LoadClusterConfig(request.ConfigPath);
            var dceManifest = request.ManifestPath is null ? null : InputFiles.LoadManifest(request.ManifestPath);
            IHostResolver resolver = request.Dns is null ? new SystemHostResolver() : new DnsServerResolver(request.Dns);
            var plan = await InstallPlan.CreateAsync(request, clusterConfig, dceManifest, new SystemNodeNetwork(), resolver, cancellationToken);
            var peerRequest = prunePeer.Parse(parse, plan.DataDir);
            var isQuiet = parse.GetValue(quiet);
            if (!isQuiet || parse.GetValue(dryRun))
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

            if (parse.GetValue(dryRun))
            {
                Console.WriteLine("Dry run: nothing was changed.");
                return ExitCodes.Ok;
            }

            var started = DateTime.UtcNow;
            using var log = new InstallLog(OpenLog(parse.GetValue(logFile)!, plan.DataDir), new ConsoleInstallReporter(isQuiet));
            log.Write($"kindling cluster-create {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}");
            using var context = new InstallContext(plan, log, new NodeServiceControl(plan.DataDir, Environment.ProcessPath!), parse.GetValue(maxTasks));
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

            Console.WriteLine($"done in {(DateTime.UtcNow - started).TotalSeconds:0.0} s: steps {string.Join(",", plan.Request.Steps.Steps)} of the bootstrap node at {plan.NodeIp.Address}");
            return ExitCodes.Ok;
        });
        return command;
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
}
