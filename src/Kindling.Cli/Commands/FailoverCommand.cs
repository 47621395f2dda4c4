using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using Kindling.Health.External;
using Kindling.Health.Failover;
using Microsoft.Extensions.Logging;

namespace Kindling.Cli.Commands;

/// <summary>
/// <c>kindling failover --config FILE</c>: runs the failover monitors of a failover file. Without --server it
/// only decides, logs and reports (status and metrics); external-BIND mode (RFC 2136 updates) adds --server.
/// </summary>
internal static class FailoverCommand
{
    public static Command Create()
    {
        var o = new Options();
        var command = new Command("failover", "Health-check failover records and switch each name on an existing DNS server (RFC 2136), or only monitor.").WithOptions(o.All);

        command.SetAction((parse, cancellationToken) => RunAsync(o, parse, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(Options o, ParseResult parse, CancellationToken cancellationToken)
    {
        var file = LoadFailoverFile(parse.GetValue(o.Config)!);
        var options = new FailoverServiceOptions
        {
            StatePath = parse.GetValue(o.State),
            StatusEndpoint = ParseEndpoint(parse.GetValue(o.Http), "--http"),
            LoggerFactory = CreateLoggers(),
        };
        var serverAt = ParseEndpoint(parse.GetValue(o.Server), "--server");
        var tsig = parse.GetValue(o.Key) is { } keyFile ? TsigKeyFile.Load(keyFile) : null;
        if (serverAt is null && tsig is not null)
        {
            throw new UsageException("--key needs --server (the DNS server to update)");
        }

        using var loggers = options.LoggerFactory;
        try
        {
            if (serverAt is null)
            {
                await MonitorOnlyAsync(file, options, cancellationToken);
            }
            else
            {
                await SwitchOnServerAsync(file, options, serverAt, tsig, cancellationToken);
            }

            return ExitCodes.Ok;
        }
        catch (InvalidDataException e)
        {
            throw new UsageException(e.Message);
        }
        catch (HttpListenerException e)
        {
            await Console.Error.WriteLineAsync($"kindling: cannot serve status on {options.StatusEndpoint}: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"kindling: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>Without --server: decides, logs and reports until stopped; no DNS server is changed.</summary>
    private static async Task MonitorOnlyAsync(FailoverFile file, FailoverServiceOptions options, CancellationToken cancellationToken)
    {
        await using var service = FailoverService.Create(file, options);
        service.Start();
        Console.WriteLine($"kindling failover: monitoring {file.Records.Count} record(s) (monitor only: no DNS server is changed); state in {service.State.Path}"
            + StatusText(service));
        await WaitForStopAsync(cancellationToken);
    }

    /// <summary>External-BIND mode: switches each record on <paramref name="serverAt"/> with RFC 2136 updates until stopped.</summary>
    private static async Task SwitchOnServerAsync(FailoverFile file, FailoverServiceOptions options, IPEndPoint serverAt, Kindling.Dns.Tsig.TsigKey? tsig, CancellationToken cancellationToken)
    {
        var exchange = new DnsExchange(serverAt, tsig, TimeProvider.System);
        await using var controller = await BindController.StartAsync(file, exchange, options, cancellationToken);
        Console.WriteLine($"kindling failover: switching {file.Records.Count} record(s) on {serverAt} with RFC 2136 updates"
            + (tsig is null ? " (unsigned: no --key)" : $" signed with key {tsig.Name}") + $"; state in {controller.Service.State.Path}" + StatusText(controller.Service));
        await WaitForStopAsync(cancellationToken);
    }

    private static string StatusText(FailoverService service) =>
        service.StatusUrl is { } url ? $"; status at {url}status, metrics at {url}metrics" : "";

    /// <summary>Loads a failover file, printing warnings; invalid files are a usage error listing every problem.</summary>
    public static FailoverFile LoadFailoverFile(string path)
    {
        var result = FailoverFileLoader.LoadFile(path);
        foreach (var warning in result.Warnings)
        {
            Console.Error.WriteLine($"kindling: {warning}");
        }

        return result.Value ?? throw new UsageException("invalid failover file:" + Environment.NewLine + string.Join(Environment.NewLine, result.Errors));
    }

    public static IPEndPoint? ParseEndpoint(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }

        return IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port != 0
            ? endpoint
            : throw new UsageException($"{option} {text}: expected ADDR:PORT, e.g. 127.0.0.1:9153 or [::1]:9153");
    }

    public static ILoggerFactory CreateLoggers() => LoggerFactory.Create(b => b.AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = "HH:mm:ss.fff ";
    }).SetMinimumLevel(LogLevel.Information));

    /// <summary>Runs until SIGTERM, SIGINT or cancellation.</summary>
    public static async Task WaitForStopAsync(CancellationToken cancellationToken)
    {
        var stopped = new TaskCompletionSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stopped.TrySetResult();
        });
        await stopped.Task.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>The command's options.</summary>
    private sealed class Options
    {
        public Option<string> Config { get; } = new("--config") { Description = "The failover file (records: name, primary, backup, check; see docs/failover.md).", Required = true };
        public Option<string?> State { get; } = new("--state") { Description = "State file keeping the active side across restarts (default: FILE's name with .state.json)." };
        public Option<string?> Http { get; } = new("--http") { Description = "ADDR:PORT to serve /metrics (Prometheus) and /status (JSON) on, e.g. 127.0.0.1:9153." };
        public Option<string?> Server { get; } = new("--server") { Description = "ADDR:PORT of the zone's primary (e.g. BIND) to update with RFC 2136; without it, monitor only." };
        public Option<string?> Key { get; } = new("--key") { Description = "TSIG key file (BIND syntax, as tsig-keygen writes it) allowed to update the zone." };

        public IEnumerable<Option> All => [Config, State, Http, Server, Key];
    }
}
