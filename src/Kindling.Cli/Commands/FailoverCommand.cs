using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
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
        var config = new Option<string>("--config") { Description = "The failover file (records: name, primary, backup, check; see docs/failover.md).", Required = true };
        var state = new Option<string?>("--state") { Description = "State file keeping the active side across restarts (default: FILE's name with .state.json)." };
        var http = new Option<string?>("--http") { Description = "ADDR:PORT to serve /metrics (Prometheus) and /status (JSON) on, e.g. 127.0.0.1:9153." };
        var command = new Command("failover", "Health-check failover records and decide which side each name answers with.") { config, state, http };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var file = LoadFailoverFile(parse.GetValue(config)!);
            var endpoint = ParseEndpoint(parse.GetValue(http), "--http");
            using var loggers = CreateLoggers();
            FailoverService service;
            try
            {
                service = FailoverService.Create(file, new FailoverServiceOptions { StatePath = parse.GetValue(state), StatusEndpoint = endpoint, LoggerFactory = loggers });
            }
            catch (InvalidDataException e)
            {
                throw new UsageException(e.Message);
            }
            catch (HttpListenerException e)
            {
                await Console.Error.WriteLineAsync($"kindling: cannot serve status on {endpoint}: {e.Message}");
                return ExitCodes.Failure;
            }

            await using (service)
            {
                service.Start();
                Console.WriteLine($"kindling failover: monitoring {file.Records.Count} record(s) (monitor only: no DNS server is changed); state in {service.State.Path}"
                    + (service.StatusUrl is { } url ? $"; status at {url}status, metrics at {url}metrics" : ""));
                await WaitForStopAsync(cancellationToken);
                return ExitCodes.Ok;
            }
        });
        return command;
    }

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
}
