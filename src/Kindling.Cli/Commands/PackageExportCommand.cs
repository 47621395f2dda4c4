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
        var o = new Options();
        var command = new Command("export", "Write what a node serves (tagged images, chart versions, bucket kubean's files) as an offline package, verified, to restore with cluster-create or seed a new node.").WithOptions(o.All);

        command.SetAction((parse, cancellationToken) => RunAsync(o, parse, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(Options o, ParseResult parse, CancellationToken cancellationToken, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var watch = Stopwatch.StartNew();
        var outDir = Path.GetFullPath(parse.GetValue(o.Output)!);
        var packageVersion = parse.GetValue(o.Version) ?? "export-" + time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        PackageCommand.Run(() =>
        {
            PackageBuilder.CheckOutput(outDir);
            PackageBuilder.CheckVersion(packageVersion);
            return 0;
        });
        var options = Input(() => ReadExportOptions(o, parse));

        options.Trust.OnlyTrustTheseInThisProcess();
        var parent = Path.GetDirectoryName(outDir)!;
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{Path.GetFileName(outDir)}.export-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(temp);
            return await ExportAndSealAsync(options with { Directory = temp }, outDir, packageVersion, watch, cancellationToken);
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    /// <summary>The options checked together: --parallel's range, --user with --password, not both with --credentials.</summary>
    private static ExportOptions ReadExportOptions(Options o, ParseResult parse)
    {
        if (parse.GetValue(o.Parallel) is < 1 or > 64)
        {
            throw new ReplicationException($"--parallel {parse.GetValue(o.Parallel)}: give 1 to 64");
        }

        if ((parse.GetValue(o.User) is null) != (parse.GetValue(o.Password) is null))
        {
            throw new ReplicationException("--user and --password go together");
        }

        if (parse.GetValue(o.User) is not null && parse.GetValue(o.Credentials) is not null)
        {
            throw new ReplicationException("give --user/--password or --credentials, not both");
        }

        return new ExportOptions
        {
            From = NodeEndpoints.ParseUrl(parse.GetValue(o.From)!, "--from"),
            Directory = "",
            Trust = NodeTrust.FromFiles(parse.GetValue(o.Ca) ?? []),
            Credentials = parse.GetValue(o.Credentials) is { } file ? CredentialsFile.Read(file, "--credentials")
                : parse.GetValue(o.User) is { } name ? $"{name}:{parse.GetValue(o.Password)}" : null,
            Only = parse.GetValue(o.Only) is { } kinds ? SyncOptions.ParseKinds(kinds) : SyncOptions.AllKinds,
            Parallel = parse.GetValue(o.Parallel),
        };
    }

    /// <summary>Exports into <paramref name="options"/>' temporary folder, then seals it as <paramref name="outDir"/> once it verifies.</summary>
    private static async Task<int> ExportAndSealAsync(ExportOptions options, string outDir, string packageVersion, Stopwatch watch, CancellationToken cancellationToken)
    {
        ExportReport exported;
        try
        {
            exported = await NodeExport.RunAsync(options, cancellationToken);
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

        var report = PackageCommand.Run(() => PackageBuilder.Seal(options.Directory, outDir, packageVersion));
        if (!report.Ok)
        {
            PackageCommand.PrintProblems(report);
            await Console.Error.WriteLineAsync($"kindling: what {options.From} serves does not verify as a package; nothing was written to {outDir}");
            return ExitCodes.Failure;
        }

        Console.WriteLine($"exported {options.From} to {outDir} (version {packageVersion}) in {watch.Elapsed.TotalSeconds:0.0} s: {exported}; verified: {PackageCommand.Summary(report)}");
        return ExitCodes.Ok;
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

    /// <summary>The command's options.</summary>
    private sealed class Options
    {
        public Option<string> From { get; } = new("--from") { Description = "Any one URL of the node to export (its /kindling/v1/info names the rest)", Required = true };
        public Option<string> Output { get; } = new("--out") { Description = "The new package folder (must not exist, or be empty); written beside it first, renamed into place once verified", Required = true };
        public Option<string?> Only { get; } = new("--only") { Description = "Limit to some content: images,charts,files (comma-separated)" };
        public Option<string?> User { get; } = new("--user") { Description = "User for reading, with --password (only where the node does not serve anonymously)" };
        public Option<string?> Password { get; } = new("--password") { Description = "Password, with --user" };
        public Option<string?> Credentials { get; } = new("--credentials") { Description = "File with one line user:password (the admin-credentials format), instead of --user/--password" };
        public Option<string[]> Ca { get; } = new("--ca") { Description = "CA certificate(s) to trust (PEM, e.g. DATA/pki/ca.crt); repeatable. Default: the system's roots" };
        public Option<string?> Version { get; } = new("--version") { Description = "The package's VERSION (default: export-<UTC time>)" };
        public Option<int> Parallel { get; } = new("--parallel") { Description = "Downloads in flight at once", DefaultValueFactory = _ => 4 };

        public IEnumerable<Option> All => [From, Output, Only, User, Password, Credentials, Ca, Version, Parallel];
    }
}
