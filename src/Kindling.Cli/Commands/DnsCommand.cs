using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using Kindling.Dns;
using Kindling.Dns.Config;
using Kindling.Dns.Server;
using Microsoft.Extensions.Logging;

namespace Kindling.Cli.Commands;

/// <summary><c>kindling dns serve|reload</c>: the authoritative DNS server that reads BIND's named.conf.</summary>
internal static class DnsCommand
{
    public static Command Create()
    {
        var command = new Command("dns", "Authoritative DNS server that reads BIND's named.conf and zone files unchanged.");
        command.Subcommands.Add(Serve());
        command.Subcommands.Add(Reload());
        command.Subcommands.Add(DnsSwitchCommand.Create());
        command.Subcommands.Add(DnsStatusCommand.Create());
        return command;
    }

    private static Option<string> PidFileOption() => new("--pid-file")
    {
        Description = $"Where the server records its process id for 'kindling dns reload' (default {ServerControl.DefaultPidFile}).",
        DefaultValueFactory = _ => ServerControl.DefaultPidFile,
    };

    private static Command Serve()
    {
        var o = new ServeOptions();
        var command = new Command("serve", "Serve the primary zones of named.conf until stopped; SIGHUP reloads.").WithOptions(o.All);

        var failover = new DnsServeFailover();
        failover.AddTo(command);
        command.SetAction((parse, cancellationToken) => ServeAsync(o, failover, parse, cancellationToken));
        return command;
    }

    private static async Task<int> ServeAsync(ServeOptions o, DnsServeFailover failover, ParseResult parse, CancellationToken cancellationToken)
    {
        var endpoints = ParseListen(parse.GetValue(o.Listen) ?? []);
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(c =>
        {
            c.SingleLine = true;
            c.TimestampFormat = "HH:mm:ss.fff ";
        }).SetMinimumLevel(LogLevel.Information));
        if (parse.GetValue(o.TcpPerAddress) is < 1)
        {
            throw new UsageException($"--tcp-clients-per-address {parse.GetValue(o.TcpPerAddress)}: give a number of connections, at least 1");
        }

        var (failoverFile, overlay) = failover.Prepare(parse);
        DnsServer server;
        try
        {
            server = DnsServer.Load(new DnsServerOptions(parse.GetValue(o.NamedConf)!)
            {
                Listen = endpoints,
                LoggerFactory = loggers,
                UdpThreads = parse.GetValue(o.UdpThreads),
                TcpClientsPerAddress = parse.GetValue(o.TcpPerAddress),
                Overlay = overlay,
            });
        }
        catch (Exception e) when (e is NamedConfException or DnsFormatException)
        {
            throw new UsageException(e.Message);
        }

        using (server)
        {
            try
            {
                server.Start();
            }
            catch (System.Net.Sockets.SocketException e)
            {
                await Console.Error.WriteLineAsync($"kindling: cannot listen: {e.Message} (is another DNS server on that address and port?)");
                return ExitCodes.Failure;
            }

            await TryWritePidFileAsync(parse.GetValue(o.PidFile)!);
            await ServeUntilStoppedAsync(server, () => failover.Start(parse, server, failoverFile, overlay, loggers), cancellationToken);
            return ExitCodes.Ok;
        }
    }

    /// <summary>The <c>--listen</c> values as endpoints; a usage error names the one that is not ADDR:PORT.</summary>
    private static List<IPEndPoint> ParseListen(IEnumerable<string> listen)
    {
        var endpoints = new List<IPEndPoint>();
        foreach (var text in listen)
        {
            if (!IPEndPoint.TryParse(text, out var endpoint) || endpoint.Port == 0 && !text.EndsWith(":0", StringComparison.Ordinal))
            {
                throw new UsageException($"--listen {text}: expected ADDR:PORT, e.g. 127.0.0.1:5353 or [::1]:5353");
            }

            endpoints.Add(endpoint);
        }

        return endpoints;
    }

    /// <summary>Records this process for 'kindling dns reload'; a warning only when it cannot (SIGHUP still works).</summary>
    private static async Task TryWritePidFileAsync(string pid)
    {
        try
        {
            ServerControl.WritePidFile(pid);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"kindling: warning: cannot write pid file {pid} ({e.Message}); 'kindling dns reload' will not find this server, SIGHUP still works");
        }
    }

    /// <summary>SIGHUP reloads; serves, with the failover monitors <paramref name="startMonitors"/> starts, until SIGTERM or cancellation.</summary>
    private static async Task ServeUntilStoppedAsync(DnsServer server, Func<IAsyncDisposable?> startMonitors, CancellationToken cancellationToken)
    {
        using var hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            server.Reload(out _);
        });
        var stopped = new TaskCompletionSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stopped.TrySetResult();
        });
        Console.WriteLine($"kindling dns: serving {server.Zones.Zones.Count} zone(s) on {string.Join(", ", server.Endpoints)}");
        await using var monitors = startMonitors();
        await stopped.Task.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private static Command Reload()
    {
        var pidFile = PidFileOption();
        var command = new Command("reload", "Make a running 'kindling dns serve' re-read named.conf and its zones (sends SIGHUP).") { pidFile };
        command.SetAction(parse =>
        {
            try
            {
                var pid = ServerControl.Reload(parse.GetValue(pidFile)!);
                Console.WriteLine($"kindling dns: asked process {pid} to reload");
                return ExitCodes.Ok;
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"kindling: {e.Message}");
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    /// <summary>The options of <c>kindling dns serve</c> (the failover ones are <see cref="DnsServeFailover"/>'s).</summary>
    private sealed class ServeOptions
    {
        public Option<string> NamedConf { get; } = new("--named-conf") { Description = "BIND's named.conf (zones, keys, ACLs, listen-on).", Required = true };

        public Option<string[]> Listen { get; } = new("--listen")
        {
            Description = "ADDR:PORT to listen on, UDP and TCP (repeatable; overrides listen-on). IPv6 as [::1]:53.",
            AllowMultipleArgumentsPerToken = false,
        };

        public Option<string> PidFile { get; } = PidFileOption();
        public Option<int> UdpThreads { get; } = new("--udp-threads") { Description = "Threads receiving UDP per address, each on its own SO_REUSEPORT socket (default: half the cores, at least one)." };

        public Option<int?> TcpPerAddress { get; } = new("--tcp-clients-per-address")
        {
            Description = "Open DNS-over-TCP connections allowed per client address (default 64; the total is named.conf's tcp-clients, default 1000).",
        };

        public IEnumerable<Option> All => [NamedConf, Listen, PidFile, UdpThreads, TcpPerAddress];
    }
}
