using System.Threading.Channels;
using Kindling.Dns;
using Kindling.Dns.Server;
using Kindling.Dns.Server.Overlay;
using Kindling.Dns.Server.Zones;
using Kindling.Health.Failover;
using Microsoft.Extensions.Logging;

namespace Kindling.Health.Overlay;

/// <summary>
/// Joins the failover monitor to <c>kindling dns serve</c>: each decision is written to the server's
/// <see cref="RecordOverlay"/> (the server bumps the SOA serial, journals the change and NOTIFYs secondaries), and
/// each committed zone version is read for <c>_failover.NAME</c> TXT overrides (<see cref="SwitchRecord"/>), which set
/// the monitor's mode. At start the side the journal recorded wins over the state file, as BIND does in external mode.
/// </summary>
public sealed partial class FailoverOverlay : IAsyncDisposable
{
    private readonly RecordOverlay _overlay;
    private readonly ILogger _logger;
    private readonly Channel<Zone> _committed = Channel.CreateUnbounded<Zone>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _modes;

    private FailoverOverlay(RecordOverlay overlay, FailoverService service, ILogger logger)
    {
        _overlay = overlay;
        Service = service;
        _logger = logger;
        _modes = FollowModesAsync();
    }

    public FailoverService Service { get; }

    /// <summary>
    /// Builds the monitor (starting each record from the side the server's journal restored into <paramref name="overlay"/>),
    /// publishes its answers, applies the overrides found in the zones, and starts the probes.
    /// </summary>
    /// <param name="overlay">The overlay the server was loaded with (<see cref="DnsServerOptions.Overlay"/>).</param>
    public static FailoverOverlay Start(DnsServer server, RecordOverlay overlay, FailoverFile file, FailoverServiceOptions options)
    {
        var logger = options.LoggerFactory.CreateLogger("kindling.failover.dns");
        var initial = new Dictionary<DomainName, Side>();
        foreach (var record in file.Records)
        {
            if (overlay.Current.Entries.TryGetValue(record.Name, out var entry))
            {
                var held = entry.Addresses.ToHashSet();
                if (held.SetEquals(record.Primary))
                {
                    initial[record.Name] = Side.Primary;
                }
                else if (held.SetEquals(record.Backup))
                {
                    initial[record.Name] = Side.Backup;
                }
            }
        }

        var service = FailoverService.Create(file, options with { InitialActive = initial });
        var binding = new FailoverOverlay(overlay, service, logger);
        foreach (var answer in service.Monitor.Answers.All)
        {
            binding.Publish(answer);
        }

        service.Monitor.Transitioned += t => binding.Publish(service.Monitor.Answers.TryGet(t.Name, out var a) ? a : null);
        foreach (var zone in server.Zones.Zones)
        {
            binding.ApplyModes(zone);
        }

        server.Store.Committed += zone => binding._committed.Writer.TryWrite(zone);
        service.Start();
        return binding;
    }

    public async ValueTask DisposeAsync()
    {
        _committed.Writer.TryComplete();
        await _modes.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Service.DisposeAsync();
    }

    private void Publish(FailoverAnswer? answer)
    {
        if (answer is not null)
        {
            _overlay.Set(answer.Name, (uint)answer.Ttl, answer.Addresses);
        }
    }

    /// <summary>Reads overrides off the committing thread: a mode change may switch, which commits a new version.</summary>
    private async Task FollowModesAsync()
    {
        await foreach (var zone in _committed.Reader.ReadAllAsync())
        {
            ApplyModes(zone);
        }
    }

    private void ApplyModes(Zone zone)
    {
        foreach (var record in Service.Monitor.Records)
        {
            var name = SwitchRecord.NameFor(record.Name);
            if (!name.IsSubdomainOf(zone.Origin))
            {
                continue;
            }

            var txt = zone.FindNode(name)?.Find(RecordType.TXT);
            var wanted = txt is null ? FailoverMode.Auto : SwitchRecord.ModeOf(txt.Records);
            var text = record.Name.ToString();
            if (!Service.Monitor.Answers.TryGet(text, out var current) || current.Mode == wanted)
            {
                continue;
            }

            ModeFromZone(_logger, text, SwitchRecord.Text(wanted), zone.Serial);
            Service.Monitor.SetMode(text, wanted);
        }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "{Name}: {Mode} requested by the zone's _failover TXT record (serial {Serial})")]
    private static partial void ModeFromZone(ILogger logger, string name, string mode, uint serial);
}
