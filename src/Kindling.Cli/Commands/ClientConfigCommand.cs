using System.CommandLine;
using Kindling.Replication;
using Kindling.Replication.Clients;
using Kindling.Replication.Nodes;

namespace Kindling.Cli.Commands;

/// <summary><c>kindling client-config</c>: client configuration that falls back from the domain to each node (Kindling.Replication.Clients).</summary>
internal static class ClientConfigCommand
{
    public static Command Create()
    {
        var domain = new Option<string?>("--domain") { Description = "The domain clients use, NAME or NAME:PORT when the registry is not on 443 (e.g. www.tinder-node-server.com)" };
        var nodes = new Option<string[]>("--node") { Description = "A node clients may fall back to, by any one of its URLs (e.g. https://172.30.41.193); repeatable, in fallback order" };
        var ca = new Option<string?>("--ca") { Description = "The nodes' CA certificate (DATA/pki/ca.crt); default: the clients' system trust store" };
        var format = new Option<string>("--format", "-f") { Description = $"The client: {string.Join(", ", ClientConfigFormats.Names)}", Required = true };
        format.AcceptOnlyFromAmong([.. ClientConfigFormats.Names]);
        var output = new Option<string?>("--out", "-o") { Description = "Write the files under this folder (default: print them)" };
        var dns = new Option<string[]>("--dns") { Description = "With --format resolv: a DNS instance's address; repeatable (at most 3)" };
        var failover = new Option<string?>("--failover") { Description = "With --format resolv: take the DNS instances from this failover file's peers: (the address of each peer URL)" };
        var containerd = new Option<string>("--containerd-version") { Description = "The clients' containerd (2.1 or later gets a per-host dial_timeout)", DefaultValueFactory = _ => "1.6" };
        var command = new Command("client-config", "Write client configuration (containerd, CRI-O, podman, dnf, apt, kubean, resolv.conf) that tries the domain, then each node by address, so a failover or a drained node fails no request. Checks each node's certificate names the address and the domain.")
        {
            domain, nodes, ca, format, output, dns, failover, containerd,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            IReadOnlyList<GeneratedFile> files;
            try
            {
                var chosen = ClientConfigFormats.Parse(parse.GetValue(format)!);
                if (chosen == ClientConfigFormat.Resolv)
                {
                    var instances = (parse.GetValue(dns) ?? []).Select(d => InputFiles.ParseIp(d, "--dns")!).ToList();
                    if (parse.GetValue(failover) is { } failoverFile)
                    {
                        try
                        {
                            instances.AddRange(Health.Failover.PeerInstances.Addresses(FailoverCommand.LoadFailoverFile(failoverFile), failoverFile).Where(a => !instances.Contains(a)));
                        }
                        catch (ArgumentException e)
                        {
                            throw new UsageException(e.Message);
                        }
                    }

                    files = ClientConfig.WriteResolv(instances);
                }
                else
                {
                    var name = parse.GetValue(domain) ?? throw new ReplicationException($"--format {parse.GetValue(format)} needs --domain NAME[:PORT], the name clients use first");
                    if (!Version.TryParse(parse.GetValue(containerd), out var version))
                    {
                        throw new ReplicationException($"--containerd-version {parse.GetValue(containerd)}: give MAJOR.MINOR, e.g. 1.6 or 2.1");
                    }

                    var urls = (parse.GetValue(nodes) ?? []).Select(n => NodeEndpoints.ParseUrl(n, "--node")).ToList();
                    var topology = await ClientTopologyReader.ReadAsync(RegistryDomain.Parse(name), urls, parse.GetValue(ca), ClientConfig.NeedsRepositories(chosen), cancellationToken);
                    files = ClientConfig.Write(chosen, topology, version);
                }
            }
            catch (ReplicationException e)
            {
                throw new UsageException(e.Message);
            }

            if (parse.GetValue(output) is { } folder)
            {
                foreach (var path in ClientConfig.Save(files, folder))
                {
                    Console.WriteLine($"wrote {path}");
                }
            }
            else
            {
                Console.Write(ClientConfig.Render(files));
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
