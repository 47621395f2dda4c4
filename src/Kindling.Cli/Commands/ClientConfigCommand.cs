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
        var o = new Options();
        var command = new Command("client-config", "Write client configuration (containerd, CRI-O, podman, dnf, apt, kubean, resolv.conf) that tries the domain, then each node by address, so a failover or a drained node fails no request. Checks each node's certificate names the address and the domain.").WithOptions(o.All);

        command.SetAction((parse, cancellationToken) => RunAsync(o, parse, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(Options o, ParseResult parse, CancellationToken cancellationToken)
    {
        IReadOnlyList<GeneratedFile> files;
        try
        {
            var chosen = ClientConfigFormats.Parse(parse.GetValue(o.Format)!);
            files = chosen == ClientConfigFormat.Resolv
                ? ResolvFiles(o, parse)
                : await ClientFilesAsync(o, parse, chosen, cancellationToken);
        }
        catch (ReplicationException e)
        {
            throw new UsageException(e.Message);
        }

        if (parse.GetValue(o.Output) is { } folder)
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
    }

    /// <summary>resolv.conf naming the DNS instances given with --dns, then those of the failover file's peers.</summary>
    private static IReadOnlyList<GeneratedFile> ResolvFiles(Options o, ParseResult parse)
    {
        var instances = (parse.GetValue(o.Dns) ?? []).Select(d => InputFiles.ParseIp(d, "--dns")!).ToList();
        if (parse.GetValue(o.Failover) is { } failoverFile)
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

        return ClientConfig.WriteResolv(instances);
    }

    /// <summary>A client's files for the domain and the nodes, after reading the nodes' topology (and checking their certificates).</summary>
    private static async Task<IReadOnlyList<GeneratedFile>> ClientFilesAsync(Options o, ParseResult parse, ClientConfigFormat chosen, CancellationToken cancellationToken)
    {
        var name = parse.GetValue(o.Domain) ?? throw new ReplicationException($"--format {parse.GetValue(o.Format)} needs --domain NAME[:PORT], the name clients use first");
        if (!Version.TryParse(parse.GetValue(o.Containerd), out var version))
        {
            throw new ReplicationException($"--containerd-version {parse.GetValue(o.Containerd)}: give MAJOR.MINOR, e.g. 1.6 or 2.1");
        }

        var urls = (parse.GetValue(o.Nodes) ?? []).Select(n => NodeEndpoints.ParseUrl(n, "--node")).ToList();
        var topology = await ClientTopologyReader.ReadAsync(RegistryDomain.Parse(name), urls, parse.GetValue(o.Ca), ClientConfig.NeedsRepositories(chosen), cancellationToken);
        return ClientConfig.Write(chosen, topology, version);
    }

    /// <summary>The command's options.</summary>
    private sealed class Options
    {
        public Options() => Format.AcceptOnlyFromAmong([.. ClientConfigFormats.Names]);

        public Option<string?> Domain { get; } = new("--domain") { Description = "The domain clients use, NAME or NAME:PORT when the registry is not on 443 (e.g. www.tinder-node-server.com)" };
        public Option<string[]> Nodes { get; } = new("--node") { Description = "A node clients may fall back to, by any one of its URLs (e.g. https://172.30.41.193); repeatable, in fallback order" };
        public Option<string?> Ca { get; } = new("--ca") { Description = "The nodes' CA certificate (DATA/pki/ca.crt); default: the clients' system trust store" };
        public Option<string> Format { get; } = new("--format", "-f") { Description = $"The client: {string.Join(", ", ClientConfigFormats.Names)}", Required = true };
        public Option<string?> Output { get; } = new("--out", "-o") { Description = "Write the files under this folder (default: print them)" };
        public Option<string[]> Dns { get; } = new("--dns") { Description = "With --format resolv: a DNS instance's address; repeatable (at most 3)" };
        public Option<string?> Failover { get; } = new("--failover") { Description = "With --format resolv: take the DNS instances from this failover file's peers: (the address of each peer URL)" };
        public Option<string> Containerd { get; } = new("--containerd-version") { Description = "The clients' containerd (2.1 or later gets a per-host dial_timeout)", DefaultValueFactory = _ => "1.6" };

        public IEnumerable<Option> All => [Domain, Nodes, Ca, Format, Output, Dns, Failover, Containerd];
    }
}
