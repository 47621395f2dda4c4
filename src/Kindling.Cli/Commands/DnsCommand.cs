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
        var namedConf = new Option<string>("--named-conf") { Description = "BIND's named.conf (zones, keys, ACLs, listen-on).", Required = true };
        var listen = new Option<string[]>("--listen")
        {
            Description = "ADDR:PORT to listen on, UDP and TCP (repeatable; overrides listen-on). IPv6 as [::1]:53.",
            AllowMultipleArgumentsPerToken = false,
        };
        var pidFile = PidFileOption();
        var udpThreads = new Option<int>("--udp-threads") { Description = "Threads receiving UDP per address, each on its own SO_REUSEPORT socket (default: half the cores, at least one)." };
        var tcpPerAddress = new Option<int?>("--tcp-clients-per-address")
        {
            Description = "Open DNS-over-TCP connections allowed per client address (default 64; the total is named.conf's tcp-clients, default 1000).",
        };
        var command = new Command("serve", "Serve the primary zones of named.conf until stopped; SIGHUP reloads.") { namedConf, listen, pidFile, udpThreads, tcpPerAddress };
        var failover = new DnsServeFailover();
        failover.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var endpoints = new List<IPEndPoint>();
            foreach (var text in parse.GetValue(listen) ?? [])
            {
                if (!IPEndPoint.TryParse(text, out var endpoint) || endpoint.Port == 0 && !text.EndsWith(":0", StringComparison.Ordinal))
                {
                    throw new UsageException($"--listen {text}: expected ADDR:PORT, e.g. 127.0.0.1:5353 or [::1]:5353");
                }

                endpoints.Add(endpoint);
            }

            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            }).SetMinimumLevel(LogLevel.Information));
            if (parse.GetValue(tcpPerAddress) is < 1)
            {
                throw new UsageException($"--tcp-clients-per-address {parse.GetValue(tcpPerAddress)}: give a number of connections, at least 1");
            }

            var (failoverFile, overlay) = failover.Prepare(parse);
            DnsServer server;
            try
            {
                server = DnsServer.Load(new DnsServerOptions(parse.GetValue(namedConf)!)
                {
                    Listen = endpoints,
                    LoggerFactory = loggers,
                    UdpThreads = parse.GetValue(udpThreads),
                    TcpClientsPerAddress = parse.GetValue(tcpPerAddress),
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

                var pid = parse.GetValue(pidFile)!;
                try
                {
                    ServerControl.WritePidFile(pid);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    await Console.Error.WriteLineAsync($"kindling: warning: cannot write pid file {pid} ({e.Message}); 'kindling dns reload' will not find this server, SIGHUP still works");
                }

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
                await using var monitors = failover.Start(parse, server, failoverFile, overlay, loggers);
                await stopped.Task.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
                return ExitCodes.Ok;
            }
        });
        return command;
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
}
