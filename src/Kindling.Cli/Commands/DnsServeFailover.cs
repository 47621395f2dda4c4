using System.CommandLine;
using Kindling.Dns.Server;
using Kindling.Dns.Server.Overlay;
using Kindling.Health.Failover;
using Kindling.Health.Overlay;
using Kindling.Health.Peers;
using Microsoft.Extensions.Logging;

namespace Kindling.Cli.Commands;

/// <summary>The failover options of <c>kindling dns serve</c>: <c>--failover FILE</c>, <c>--failover-state FILE</c>, <c>--http ADDR:PORT</c>.</summary>
internal sealed class DnsServeFailover
{
    private readonly Option<string?> _file = new("--failover") { Description = "Failover records (YAML, docs/failover.md): health-checked A/AAAA answers for names in the zones." };
    private readonly Option<string?> _state = new("--failover-state") { Description = "State file keeping the mode and hold-down across restarts (default: FILE's name with .state.json)." };
    private readonly Option<string?> _http = new("--http") { Description = "ADDR:PORT serving /status (JSON, 'kindling dns status') and /metrics (Prometheus)." };

    public void AddTo(Command command)
    {
        command.Options.Add(_file);
        command.Options.Add(_state);
        command.Options.Add(_http);
    }

    /// <summary>Reads the failover file (usage error when invalid); null without --failover.</summary>
    public (FailoverFile? File, RecordOverlay? Overlay) Prepare(ParseResult parse)
    {
        if (parse.GetValue(_file) is not { } path)
        {
            if (parse.GetValue(_http) is not null)
            {
                throw new UsageException("--http serves the failover status: give --failover FILE too");
            }

            return (null, null);
        }

        var file = FailoverCommand.LoadFailoverFile(path);
        if (file.Peers is { } peers)
        {
            try
            {
                // Fails before the server starts: peers: needs --http, and --http must be one of peers.urls (or self: given).
                PeerMesh.ResolveSelf(peers, FailoverCommand.ParseEndpoint(parse.GetValue(_http), "--http"), file.Path);
            }
            catch (InvalidDataException e)
            {
                throw new UsageException(e.Message);
            }
        }

        return (file, new RecordOverlay());
    }

    /// <summary>Starts the monitors once the server runs; their decisions go to the overlay.</summary>
    public FailoverOverlay? Start(ParseResult parse, DnsServer server, FailoverFile? file, RecordOverlay? overlay, ILoggerFactory loggers)
    {
        if (file is null || overlay is null)
        {
            return null;
        }

        var options = new FailoverServiceOptions
        {
            StatePath = parse.GetValue(_state),
            StatusEndpoint = FailoverCommand.ParseEndpoint(parse.GetValue(_http), "--http"),
            LoggerFactory = loggers,
            ExtraMetrics = server.Metrics.Render,
        };
        var failover = FailoverOverlay.Start(server, overlay, file, options);
        Console.WriteLine($"kindling dns: {file.Records.Count} failover record(s) from {file.Path}; checks started"
            + (failover.Service.StatusUrl is { } url ? $"; status at {url}status, metrics at {url}metrics" : "")
            + (failover.Service.Peers is { } mesh ? $"; peers of {mesh.Self}: {string.Join(", ", mesh.PeerUrls)}" : ""));
        return failover;
    }
}
