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
        var domain = new Option<string?>("--domain") { Description = "The domain clients use (e.g. www.tinder-node-server.com); checked at https://NAME:PORT" };
        var port = new Option<int>("--port") { Description = "The domain's registry port", DefaultValueFactory = _ => 443 };
        var dns = new Option<string?>("--dns") { Description = "Resolve names through this DNS server, ADDR[:PORT] (default: the system's resolver)" };
        var nodes = new Option<string[]>("--node") { Description = "A node to check, by any one of its URLs; repeatable" };
        var ca = new Option<string[]>("--ca") { Description = "CA certificate(s) to trust (PEM, e.g. DATA/pki/ca.crt); repeatable. Default: the system's roots" };
        var image = new Option<string?>("--image") { Description = "The image to pull, REPOSITORY:TAG (default: the first in the catalog)" };
        var chart = new Option<string?>("--chart") { Description = "The chart to download, NAME or NAME:VERSION (default: the first in index.yaml)" };
        var file = new Option<string?>("--file") { Description = "The key in bucket kubean to download (default: the first listed)" };
        var output = new Option<string>("--output", "-o") { Description = "table (default) or json", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "json");
        var command = new Command("verify", "Check the domain and each node as clients see them: TLS name, a file, an image, the chart repository, and that all serve the same content. Exit 0 only when all pass.")
        {
            domain, port, dns, nodes, ca, image, chart, file, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var endpoint = InputFiles.ParseEndpoint(parse.GetValue(dns), "--dns", 53);
            DnsServerResolver? resolver = endpoint is null ? null : new DnsServerResolver(endpoint);
            VerifyOptions options;
            try
            {
                if (parse.GetValue(port) is < 1 or > 65535)
                {
                    throw new ReplicationException($"--port {parse.GetValue(port)}: not a TCP port (1-65535)");
                }

                options = new VerifyOptions
                {
                    Domain = parse.GetValue(domain),
                    Port = parse.GetValue(port),
                    Nodes = (parse.GetValue(nodes) ?? []).Select(n => NodeEndpoints.ParseUrl(n, "--node")).ToList(),
                    Trust = NodeTrust.FromFiles(parse.GetValue(ca) ?? []),
                    Resolve = resolver is null ? null : async (name, token) =>
                    {
                        var resolution = await resolver.ResolveAsync(name, token);
                        return resolution.Resolved ? resolution.Addresses : throw new ReplicationException(resolution.Failure ?? "no address");
                    },
                    ResolverDescription = resolver?.Description ?? "the system's resolver",
                    Image = parse.GetValue(image),
                    Chart = parse.GetValue(chart),
                    File = parse.GetValue(file),
                };
                if (options.Domain is null && options.Nodes.Count == 0)
                {
                    throw new ReplicationException("nothing to verify: give --domain NAME and/or --node URL");
                }
            }
            catch (ReplicationException e)
            {
                throw new UsageException(e.Message);
            }

            options.Trust.OnlyTrustTheseInThisProcess();
            var report = await NodeVerifier.RunAsync(options, cancellationToken);
            if (parse.GetValue(output) == "json")
            {
                Console.WriteLine(VerifyOutput.Json(report));
            }
            else
            {
                VerifyOutput.Print(report);
            }

            return report.Ok ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return command;
    }
}
