using System.CommandLine;
using Kindling.Replication;
using Kindling.Replication.Nodes;
using Kindling.Replication.Sync;

namespace Kindling.Cli.Commands;

/// <summary><c>kindling sync</c>: copy what one node serves to another, by digest (Kindling.Replication).</summary>
internal static class SyncCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "Any one URL of the source node (its /kindling/v1/info names the rest)", Required = true };
        var to = new Option<string>("--to") { Description = "Any one URL of the target node", Required = true };
        var ca = new Option<string[]>("--ca") { Description = "CA certificate(s) to trust (PEM, e.g. DATA/pki/ca.crt); repeatable. Default: the system's roots", AllowMultipleArgumentsPerToken = false };
        var fromCredentials = new Option<string?>("--from-credentials") { Description = "File with user:password for reading the source (only for buckets that are not public)" };
        var credentials = new Option<string?>("--to-credentials") { Description = "File with one line user:password for writing to the target (the admin-credentials format)" };
        var parallel = new Option<int>("--parallel") { Description = "Requests and transfers in flight at once", DefaultValueFactory = _ => 8 };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the difference; change nothing" };
        var only = new Option<string?>("--only") { Description = "Limit to some content: images,charts,files (comma-separated)" };
        var delete = new Option<bool>("--delete") { Description = "Also remove from the target what the source does not have" };
        var addOnly = new Option<bool>("--add-only") { Description = "Only add what the target lacks, never replace (reverse sync before a failback)" };
        var fullCompare = new Option<bool>("--full-compare") { Description = "Compare every tag, chart and file even where the nodes' content digests match" };
        var output = new Option<string>("--output", "-o") { Description = "table (default) or json", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "json");
        var command = new Command("sync", "Copy images, charts and files from one node to another by digest: incremental, parallel, resumable, verified.")
        {
            from, to, ca, fromCredentials, credentials, parallel, dryRun, only, delete, addOnly, fullCompare, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = Input(() =>
            {
                if (parse.GetValue(parallel) is < 1 or > 256)
                {
                    throw new ReplicationException($"--parallel {parse.GetValue(parallel)}: give 1 to 256");
                }

                if (parse.GetValue(delete) && parse.GetValue(addOnly))
                {
                    throw new ReplicationException("--delete and --add-only contradict each other: choose one");
                }

                return new SyncOptions
                {
                    From = NodeEndpoints.ParseUrl(parse.GetValue(from)!, "--from"),
                    To = NodeEndpoints.ParseUrl(parse.GetValue(to)!, "--to"),
                    Trust = NodeTrust.FromFiles(parse.GetValue(ca) ?? []),
                    FromCredentials = parse.GetValue(fromCredentials) is { } source ? CredentialsFile.Read(source, "--from-credentials") : null,
                    ToCredentials = parse.GetValue(credentials) is { } file ? CredentialsFile.Read(file, "--to-credentials") : null,
                    Parallel = parse.GetValue(parallel),
                    DryRun = parse.GetValue(dryRun),
                    Delete = parse.GetValue(delete),
                    AddOnly = parse.GetValue(addOnly),
                    UseContentDigests = !parse.GetValue(fullCompare),
                    Only = parse.GetValue(only) is { } kinds ? SyncOptions.ParseKinds(kinds) : SyncOptions.AllKinds,
                };
            });

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

            if (parse.GetValue(output) == "json")
            {
                Console.WriteLine(SyncSummary.Json(result, options));
            }
            else
            {
                SyncSummary.Print(result, options);
            }

            foreach (var failure in result.Tally.Failures)
            {
                await Console.Error.WriteLineAsync($"kindling: failed: {failure.Kind.ToString().ToLowerInvariant()} {failure.Name}: {failure.Reason}");
            }

            return result.Succeeded ? ExitCodes.Ok : ExitCodes.Failure;
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
