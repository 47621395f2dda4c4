using System.CommandLine;
using System.Text.Json.Nodes;
using Kindling.Artifacts;
using Kindling.Artifacts.Maintenance;
using Kindling.Installer.Service;

namespace Kindling.Cli.Commands;

/// <summary>
/// <c>kindling node gc|fsck</c>: inside the running node through its admin socket (it then sees pushes in
/// progress), else on the stopped node's data folder.
/// </summary>
internal static class NodeMaintenanceCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return Gc();
        yield return Fsck();
    }

    private static Command Gc()
    {
        var data = new Option<string>("--data") { Description = "The node's data folder", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "List what would be removed; remove nothing" };
        var grace = new Option<string>("--grace") { Description = "Keep unreferenced blobs, links and manifests younger than this (e.g. 24h, 30m, 0)", DefaultValueFactory = _ => "24h" };
        var deleteUntagged = new Option<bool>("--delete-untagged") { Description = "Also remove manifests no tag reaches (children of a kept index and referrers of a kept manifest always stay)" };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var command = new Command("gc", "Remove blobs nothing references (deleted images, abandoned pushes) while the node serves; tags and the content digest never change. Runs inside the running node, else on the folder.")
        {
            data, dryRun, grace, deleteUntagged, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var dataDir = Path.GetFullPath(parse.GetValue(data)!);
            var options = new GcOptions
            {
                Grace = NodeReplicationOptions.ParseInterval(parse.GetValue(grace)!, "--grace", allowZero: true),
                DryRun = parse.GetValue(dryRun),
                DeleteUntagged = parse.GetValue(deleteUntagged),
            };
            using var admin = new NodeAdminClient(dataDir);
            JsonObject report;
            string where;
            if (admin.Answers())
            {
                report = await admin.CollectAsync(options.Grace, options.DryRun, options.DeleteUntagged, cancellationToken);
                where = "in the running node";
            }
            else
            {
                using var owner = TakeStopped(dataDir, "gc");
                report = GarbageCollector.Collect(OpenStopped(dataDir), options).ToJson();
                where = "on the stopped node's folder";
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonTree.ToText(report));
                return ExitCodes.Ok;
            }

            foreach (var item in report["removedManifests"]!.AsArray())
            {
                Console.WriteLine($"  manifest {item}");
            }

            foreach (var item in report["removedLinks"]!.AsArray())
            {
                Console.WriteLine($"  link     {item}");
            }

            foreach (var item in report["removedBlobs"]!.AsArray())
            {
                Console.WriteLine($"  blob     {item!["digest"]} ({item["size"]} bytes)");
            }

            Console.WriteLine($"garbage collection {where}: {report["summary"]}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Fsck()
    {
        var data = new Option<string>("--data") { Description = "The node's data folder", Required = true };
        var repair = new Option<bool>("--repair") { Description = "Quarantine damaged items into DIR/store/quarantine/ (never deleted), remove the links naming them or naming what is missing, remove leftovers" };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var command = new Command("fsck", "Check the node's store: every blob's digest, every tag, manifest and blob link, every chart link; unreferenced blobs and leftovers of interrupted writes. Exit 0 clean, 1 problems repaired, 4 problems left.")
        {
            data, repair, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var dataDir = Path.GetFullPath(parse.GetValue(data)!);
            using var admin = new NodeAdminClient(dataDir);
            JsonObject report;
            if (admin.Answers())
            {
                report = await admin.CheckAsync(parse.GetValue(repair), cancellationToken);
            }
            else
            {
                using var owner = TakeStopped(dataDir, "fsck");
                report = StoreCheck.Check(OpenStopped(dataDir), new FsckOptions { Repair = parse.GetValue(repair) }).ToJson();
            }
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonTree.ToText(report));
            }
            else
            {
                foreach (var finding in report["findings"]!.AsArray())
                {
                    if (finding!["kind"]!.GetValue<string>() != "unreferenced")
                    {
                        var done = finding["repair"]?.GetValue<string>() is { } what ? $" — {what}" : "";
                        Console.WriteLine($"  {finding["kind"],-12} {finding["item"]}: {finding["detail"]}{done}");
                    }
                }

                Console.WriteLine($"fsck: {report["summary"]}");
            }

            return report["exitCode"]!.GetValue<int>();
        });
        return command;
    }

    /// <summary>
    /// The data folder's lock, for work on a node's folder outside the node: refused while a node holds it (its admin
    /// socket did not answer, but it runs: starting, stuck, or its socket removed), so a collection never runs beside
    /// pushes it cannot see. A folder without a store is left to <see cref="OpenStopped"/> to refuse.
    /// </summary>
    private static StoreLock? TakeStopped(string dataDir, string command)
    {
        if (!Directory.Exists(Path.Combine(dataDir, "store", "blobs")))
        {
            return null;
        }

        return StoreLock.TryTake(dataDir) ?? throw new UsageException(
            $"--data {dataDir}: a node process holds {StoreLock.PathFor(dataDir)} but its admin socket {NodeAdminClient.SocketPathFor(dataDir)} does not answer " +
            $"(starting, stuck, or the socket was removed): 'node {command}' does not work on the folder of a running node; retry in a moment, or stop it first (kindling node stop --data {dataDir})");
    }

    /// <summary>
    /// The store of a node that is not running. Opened as shared: temporary files stay (fsck reports them; an
    /// import by another process may be writing them).
    /// </summary>
    private static NodeStore OpenStopped(string dataDir)
    {
        if (!Directory.Exists(Path.Combine(dataDir, "store", "blobs")))
        {
            throw new UsageException($"--data {dataDir}: no node store there (no store/blobs/ folder): give the folder 'node serve --data' uses");
        }

        return NodeStore.Open(dataDir, shared: true);
    }
}
