using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Kindling.Installer.Package;
using Kindling.Replication;
using Kindling.Replication.Export;
using Kindling.Replication.Nodes;
using Kindling.Replication.Sync;

namespace Kindling.Cli.Commands;

/// <summary><c>kindling package export</c>: what a node serves, written as an offline package (docs/offline-package.md).</summary>
internal static class PackageExportCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "Any one URL of the node to export (its /kindling/v1/info names the rest)", Required = true };
        var output = new Option<string>("--out") { Description = "The new package folder (must not exist, or be empty); written beside it first, renamed into place once verified", Required = true };
        var only = new Option<string?>("--only") { Description = "Limit to some content: images,charts,files (comma-separated)" };
        var user = new Option<string?>("--user") { Description = "User for reading, with --password (only where the node does not serve anonymously)" };
        var password = new Option<string?>("--password") { Description = "Password, with --user" };
        var credentials = new Option<string?>("--credentials") { Description = "File with one line user:password (the admin-credentials format), instead of --user/--password" };
        var ca = new Option<string[]>("--ca") { Description = "CA certificate(s) to trust (PEM, e.g. DATA/pki/ca.crt); repeatable. Default: the system's roots" };
        var version = new Option<string?>("--version") { Description = "The package's VERSION (default: export-<UTC time>)" };
        var parallel = new Option<int>("--parallel") { Description = "Downloads in flight at once", DefaultValueFactory = _ => 4 };
        var command = new Command("export", "Write what a node serves (tagged images, chart versions, bucket kubean's files) as an offline package, verified, to restore with cluster-create or seed a new node.")
        {
            from, output, only, user, password, credentials, ca, version, parallel,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var watch = Stopwatch.StartNew();
            var outDir = Path.GetFullPath(parse.GetValue(output)!);
            var packageVersion = parse.GetValue(version) ?? "export-" + DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            PackageCommand.Run(() =>
            {
                PackageBuilder.CheckOutput(outDir);
                PackageBuilder.CheckVersion(packageVersion);
                return 0;
            });
            var options = Input(() =>
            {
                if (parse.GetValue(parallel) is < 1 or > 64)
                {
                    throw new ReplicationException($"--parallel {parse.GetValue(parallel)}: give 1 to 64");
                }

                if ((parse.GetValue(user) is null) != (parse.GetValue(password) is null))
                {
                    throw new ReplicationException("--user and --password go together");
                }

                if (parse.GetValue(user) is not null && parse.GetValue(credentials) is not null)
                {
                    throw new ReplicationException("give --user/--password or --credentials, not both");
                }

                return new ExportOptions
                {
                    From = NodeEndpoints.ParseUrl(parse.GetValue(from)!, "--from"),
                    Directory = "",
                    Trust = NodeTrust.FromFiles(parse.GetValue(ca) ?? []),
                    Credentials = parse.GetValue(credentials) is { } file ? CredentialsFile.Read(file, "--credentials")
                        : parse.GetValue(user) is { } name ? $"{name}:{parse.GetValue(password)}" : null,
                    Only = parse.GetValue(only) is { } kinds ? SyncOptions.ParseKinds(kinds) : SyncOptions.AllKinds,
                    Parallel = parse.GetValue(parallel),
                };
            });

            options.Trust.OnlyTrustTheseInThisProcess();
            var parent = Path.GetDirectoryName(outDir)!;
            Directory.CreateDirectory(parent);
            var temp = Path.Combine(parent, $".{Path.GetFileName(outDir)}.export-{Guid.NewGuid():N}");
            try
            {
                Directory.CreateDirectory(temp);
                ExportReport exported;
                try
                {
                    exported = await NodeExport.RunAsync(options with { Directory = temp }, cancellationToken);
                }
                catch (ReplicationException e)
                {
                    await Console.Error.WriteLineAsync($"kindling: export from {options.From} failed: {e.Message}; nothing was written to {outDir}");
                    return ExitCodes.Failure;
                }

                foreach (var note in exported.LeftOut)
                {
                    Console.WriteLine($"left out: {note}");
                }

                var report = PackageCommand.Run(() => PackageBuilder.Seal(temp, outDir, packageVersion));
                if (!report.Ok)
                {
                    PackageCommand.PrintProblems(report);
                    await Console.Error.WriteLineAsync($"kindling: what {options.From} serves does not verify as a package; nothing was written to {outDir}");
                    return ExitCodes.Failure;
                }

                Console.WriteLine($"exported {options.From} to {outDir} (version {packageVersion}) in {watch.Elapsed.TotalSeconds:0.0} s: {exported}; verified: {PackageCommand.Summary(report)}");
                return ExitCodes.Ok;
            }
            finally
            {
                if (Directory.Exists(temp))
                {
                    Directory.Delete(temp, recursive: true);
                }
            }
        });
        return command;
    }

    private static T Input<T>(Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (ReplicationException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
