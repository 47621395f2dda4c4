using System.CommandLine;
using Kindling.Artifacts.Content;
using Kindling.Replication;
using Kindling.Replication.Nodes;
using Kindling.Replication.Sync;

namespace Kindling.Cli.Commands;

/// <summary><c>kindling sync</c>: copy what one node serves to another, by digest (Kindling.Replication).</summary>
internal static class SyncCommand
{
    public static Command Create()
    {
        var o = new Options();
        var command = new Command("sync", "Copy images, charts and files from one node to another by digest: incremental, parallel, resumable, verified.")
        {
            o.From, o.To, o.Ca, o.FromCredentials, o.Credentials, o.Parallel, o.DryRun, o.Only, o.Delete, o.AddOnly, o.FullCompare, o.Output,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, o, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, Options o, CancellationToken cancellationToken)
    {
        var options = ReadOptions(parse, o);
        options.Trust.OnlyTrustTheseInThisProcess();
        var tally = new SyncTally();
        SyncResult result;
        using (var progress = SyncProgressLine.Start(tally))
        {
            try
            {
                result = await NodeSync.RunAsync(options, tally, cancellationToken);
            }
            catch (ReplicationException e)
            {
                progress.Dispose();
                await Console.Error.WriteLineAsync($"kindling: sync failed: {e.Message}");
                return ExitCodes.Failure;
            }
        }

        if (parse.GetValue(o.Output) == "json")
        {
            Console.WriteLine(SyncSummary.Json(result, options));
        }
        else
        {
            SyncSummary.Print(result, options);
        }

        foreach (var failure in result.Tally.Failures)
        {
            await Console.Error.WriteLineAsync($"kindling: failed: {failure.Kind.Name()} {failure.Name}: {failure.Reason}");
        }

        return result.Succeeded ? ExitCodes.Ok : ExitCodes.Failure;
    }

    /// <summary>The run's settings; a bad value is a usage error naming the option.</summary>
    private static SyncOptions ReadOptions(ParseResult parse, Options o)
    {
        try
        {
            if (parse.GetValue(o.Parallel) is < 1 or > 256)
            {
                throw new ReplicationException($"--parallel {parse.GetValue(o.Parallel)}: give 1 to 256");
            }

            if (parse.GetValue(o.Delete) && parse.GetValue(o.AddOnly))
            {
                throw new ReplicationException("--delete and --add-only contradict each other: choose one");
            }

            return new SyncOptions
            {
                From = NodeEndpoints.ParseUrl(parse.GetValue(o.From)!, "--from"),
                To = NodeEndpoints.ParseUrl(parse.GetValue(o.To)!, "--to"),
                Trust = NodeTrust.FromFiles(parse.GetValue(o.Ca) ?? []),
                FromCredentials = parse.GetValue(o.FromCredentials) is { } source ? CredentialsFile.Read(source, "--from-credentials") : null,
                ToCredentials = parse.GetValue(o.Credentials) is { } file ? CredentialsFile.Read(file, "--to-credentials") : null,
                Parallel = parse.GetValue(o.Parallel),
                DryRun = parse.GetValue(o.DryRun),
                Delete = parse.GetValue(o.Delete),
                AddOnly = parse.GetValue(o.AddOnly),
                UseContentDigests = !parse.GetValue(o.FullCompare),
                Only = parse.GetValue(o.Only) is { } kinds ? SyncOptions.ParseKinds(kinds) : SyncOptions.AllKinds,
            };
        }
        catch (ReplicationException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>The command's options.</summary>
    private sealed class Options
    {
        public Options() => Output.AcceptOnlyFromAmong("table", "json");

        public Option<string> From { get; } = new("--from") { Description = "Any one URL of the source node (its /kindling/v1/info names the rest)", Required = true };
        public Option<string> To { get; } = new("--to") { Description = "Any one URL of the target node", Required = true };
        public Option<string[]> Ca { get; } = new("--ca") { Description = "CA certificate(s) to trust (PEM, e.g. DATA/pki/ca.crt); repeatable. Default: the system's roots", AllowMultipleArgumentsPerToken = false };
        public Option<string?> FromCredentials { get; } = new("--from-credentials") { Description = "File with user:password for reading the source (only for buckets that are not public)" };
        public Option<string?> Credentials { get; } = new("--to-credentials") { Description = "File with one line user:password for writing to the target (the admin-credentials format)" };
        public Option<int> Parallel { get; } = new("--parallel") { Description = "Requests and transfers in flight at once", DefaultValueFactory = _ => 8 };
        public Option<bool> DryRun { get; } = new("--dry-run") { Description = "Print the difference; change nothing" };
        public Option<string?> Only { get; } = new("--only") { Description = "Limit to some content: images,charts,files (comma-separated)" };
        public Option<bool> Delete { get; } = new("--delete") { Description = "Also remove from the target what the source does not have" };
        public Option<bool> AddOnly { get; } = new("--add-only") { Description = "Only add what the target lacks, never replace (reverse sync before a failback)" };
        public Option<bool> FullCompare { get; } = new("--full-compare") { Description = "Compare every tag, chart and file even where the nodes' content digests match" };
        public Option<string> Output { get; } = new("--output", "-o") { Description = "table (default) or json", DefaultValueFactory = _ => "table" };
    }
}
