using System.Net;
using System.Threading.Channels;
using Kindling.Dns;
using Kindling.Health.Failover;
using Microsoft.Extensions.Logging;

namespace Kindling.Health.External;

/// <summary>
/// External-BIND mode: the failover monitors drive an existing authoritative server. At start it reads what the
/// server holds for each failover name and starts from that side; on each decision it sends one TSIG-signed RFC 2136
/// UPDATE that replaces the A/AAAA RRsets only if they still hold the value it last saw (compare-and-swap), so a
/// second controller or an operator's change is never overwritten. Unreachable servers are retried with backoff;
/// a newer decision replaces a pending one.
/// </summary>
public sealed partial class BindController : IAsyncDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly Rfc2136Updater _updater;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Target> _targets;
    private readonly Channel<string> _dirty = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    private BindController(Rfc2136Updater updater, Dictionary<string, Target> targets, FailoverService service, ILogger logger, TimeProvider time)
    {
        _updater = updater;
        _targets = targets;
        Service = service;
        _logger = logger;
        _time = time;
    }

    public FailoverService Service { get; }

    /// <summary>
    /// Reads the server's current state for every record, builds the monitors starting from it, and starts them
    /// and the update loop. Names whose addresses match neither side are set to the monitor's side at once.
    /// </summary>
    /// <exception cref="IOException">The server cannot be reached or is not authoritative for a name.</exception>
    public static async Task<BindController> StartAsync(FailoverFile file, DnsExchange exchange, FailoverServiceOptions options, CancellationToken cancellationToken)
    {
        var logger = options.LoggerFactory.CreateLogger("kindling.failover.bind");
        var updater = new Rfc2136Updater(exchange);
        var targets = new Dictionary<string, Target>(StringComparer.OrdinalIgnoreCase);
        var initial = new Dictionary<DomainName, Side>();
        foreach (var record in file.Records)
        {
            var name = record.Name;
            var zone = await updater.FindZoneAsync(name, cancellationToken);
            var held = await updater.ReadAsync(name, cancellationToken);
            var side = Rfc2136Updater.SameSet(held, record.Primary) ? Side.Primary : Rfc2136Updater.SameSet(held, record.Backup) ? Side.Backup : (Side?)null;
            if (side is { } s)
            {
                initial[name] = s;
            }

            Read(logger, name.ToString(), zone.ToString(), Rfc2136Updater.Describe(held), side?.ToString().ToLowerInvariant() ?? "neither side: it will be replaced");
            targets[name.ToString()] = new Target(record, zone, held);
        }

        var service = FailoverService.Create(file, options with { InitialActive = initial });
        var controller = new BindController(updater, targets, service, logger, options.Time);
        service.Monitor.Transitioned += t => controller._dirty.Writer.TryWrite(t.Name);
        foreach (var name in targets.Keys)
        {
            controller._dirty.Writer.TryWrite(name); // no-op unless the server holds neither side
        }

        controller._loop = controller.RunAsync();
        service.Start();
        return controller;
    }

    /// <summary>What the server was last seen to hold for a name.</summary>
    public IReadOnlyList<IPAddress> Held(string name) => _targets[name].Held;

    public async ValueTask DisposeAsync()
    {
        _dirty.Writer.TryComplete();
        await _stop.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Service.DisposeAsync();
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        await foreach (var name in _dirty.Reader.ReadAllAsync(_stop.Token))
        {
            await SyncAsync(_targets[name]);
        }
    }

    /// <summary>Makes the server hold the monitor's current answer for one name, retrying until it does or is overtaken.</summary>
    private async Task SyncAsync(Target target)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!_stop.IsCancellationRequested)
        {
            if (!Service.Monitor.Answers.TryGet(target.NameText, out var answer) || Rfc2136Updater.SameSet(target.Held, answer.Addresses))
            {
                return;
            }

            try
            {
                var result = await _updater.ReplaceAsync(target.Zone, target.Name, target.Held, answer.Addresses, (uint)target.Record.Ttl, _stop.Token);
                switch (result.Outcome)
                {
                    case UpdateOutcome.Applied:
                        Updated(_logger, target.NameText, Rfc2136Updater.Describe(target.Held), Rfc2136Updater.Describe(answer.Addresses), answer.Side.ToString().ToLowerInvariant());
                        target.Held = answer.Addresses;
                        return;
                    case UpdateOutcome.PrerequisiteFailed:
                        var now = await _updater.ReadAsync(target.Name, _stop.Token);
                        if (!Rfc2136Updater.SameSet(now, answer.Addresses))
                        {
                            ChangedElsewhere(_logger, target.NameText, Rfc2136Updater.Describe(target.Held), Rfc2136Updater.Describe(now), Rfc2136Updater.Describe(answer.Addresses));
                        }

                        target.Held = now;
                        return;
                    default:
                        UpdateFailed(_logger, target.NameText, result.Detail, backoff.TotalSeconds);
                        break;
                }
            }
            catch (Exception e) when (e is IOException or DnsFormatException)
            {
                UpdateFailed(_logger, target.NameText, e.Message, backoff.TotalSeconds);
            }

            try
            {
                await Task.Delay(backoff, _time, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            backoff = backoff * 2 > MaxBackoff ? MaxBackoff : backoff * 2;
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "{Name}: the server holds {Held} in zone {Zone} ({Side})")]
    private static partial void Read(ILogger logger, string name, string zone, string held, string side);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "{Name}: updated the server: {From} -> {To} ({Side})")]
    private static partial void Updated(ILogger logger, string name, string from, string to, string side);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "{Name}: left unchanged: the server held {Now}, not {Expected} as last seen; another controller or an operator changed it (wanted {Wanted})")]
    private static partial void ChangedElsewhere(ILogger logger, string name, string expected, string now, string wanted);

    [LoggerMessage(EventId = 33, Level = LogLevel.Error, Message = "{Name}: update failed: {Detail}; retrying in {Seconds} s")]
    private static partial void UpdateFailed(ILogger logger, string name, string detail, double seconds);

    private sealed class Target(FailoverRecord record, DomainName zone, IReadOnlyList<IPAddress> held)
    {
        public FailoverRecord Record { get; } = record;

        public DomainName Name => Record.Name;

        /// <summary>The name as the monitor's answers, the logs and <see cref="Held"/> spell it.</summary>
        public string NameText { get; } = record.Name.ToString();

        public DomainName Zone { get; } = zone;

        public IReadOnlyList<IPAddress> Held { get; set; } = held;
    }
}
