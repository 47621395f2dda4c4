using System.CommandLine;
using Kindling.Installer.Hosts;
using Kindling.Replication;
using Kindling.Replication.Nodes;
using Kindling.Replication.Verify;

namespace Kindling.Cli.Commands;

/// <summary><c>kindling verify</c>: the seed's checks after a switch, against the domain and each node (Kindling.Replication.Verify).</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var o = new Options();
        var command = new Command("verify", "Check the domain and each node as clients see them: TLS name, a file, an image, the chart repository, and that all serve the same content. Exit 0 only when all pass.")
        {
            o.Domain, o.Port, o.Dns, o.Nodes, o.Ca, o.Image, o.Chart, o.File, o.Output,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, o, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, Options o, CancellationToken cancellationToken)
    {
        var options = ReadOptions(parse, o);
        options.Trust.OnlyTrustTheseInThisProcess();
        var report = await NodeVerifier.RunAsync(options, cancellationToken);
        if (parse.GetValue(o.Output) == "json")
        {
            Console.WriteLine(VerifyOutput.Json(report));
        }
        else
        {
            VerifyOutput.Print(report);
        }

        return report.Ok ? ExitCodes.Ok : ExitCodes.Failure;
    }

    /// <summary>What to check and how to reach it; a bad value is a usage error naming the option.</summary>
    private static VerifyOptions ReadOptions(ParseResult parse, Options o)
    {
        var endpoint = InputFiles.ParseEndpoint(parse.GetValue(o.Dns), "--dns", 53);
        DnsServerResolver? resolver = endpoint is null ? null : new DnsServerResolver(endpoint);
        try
        {
            if (parse.GetValue(o.Port) is < 1 or > 65535)
            {
                throw new ReplicationException($"--port {parse.GetValue(o.Port)}: not a TCP port (1-65535)");
            }

            var options = new VerifyOptions
            {
                Domain = parse.GetValue(o.Domain),
                Port = parse.GetValue(o.Port),
                Nodes = (parse.GetValue(o.Nodes) ?? []).Select(n => NodeEndpoints.ParseUrl(n, "--node")).ToList(),
                Trust = NodeTrust.FromFiles(parse.GetValue(o.Ca) ?? []),
                Resolve = resolver is null ? null : async (name, token) =>
                {
                    var resolution = await resolver.ResolveAsync(name, token);
                    return resolution.Resolved ? resolution.Addresses : throw new ReplicationException(resolution.Failure ?? "no address");
                },
                ResolverDescription = resolver?.Description ?? "the system's resolver",
                Image = parse.GetValue(o.Image),
                Chart = parse.GetValue(o.Chart),
                File = parse.GetValue(o.File),
            };
            return options.Domain is null && options.Nodes.Count == 0
                ? throw new ReplicationException("nothing to verify: give --domain NAME and/or --node URL")
                : options;
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

        public Option<string?> Domain { get; } = new("--domain") { Description = "The domain clients use (e.g. www.tinder-node-server.com); checked at https://NAME:PORT" };
        public Option<int> Port { get; } = new("--port") { Description = "The domain's registry port", DefaultValueFactory = _ => 443 };
        public Option<string?> Dns { get; } = new("--dns") { Description = "Resolve names through this DNS server, ADDR[:PORT] (default: the system's resolver)" };
        public Option<string[]> Nodes { get; } = new("--node") { Description = "A node to check, by any one of its URLs; repeatable" };
        public Option<string[]> Ca { get; } = new("--ca") { Description = "CA certificate(s) to trust (PEM, e.g. DATA/pki/ca.crt); repeatable. Default: the system's roots" };
        public Option<string?> Image { get; } = new("--image") { Description = "The image to pull, REPOSITORY:TAG (default: the first in the catalog)" };
        public Option<string?> Chart { get; } = new("--chart") { Description = "The chart to download, NAME or NAME:VERSION (default: the first in index.yaml)" };
        public Option<string?> File { get; } = new("--file") { Description = "The key in bucket kubean to download (default: the first listed)" };
        public Option<string> Output { get; } = new("--output", "-o") { Description = "table (default) or json", DefaultValueFactory = _ => "table" };
    }
}
