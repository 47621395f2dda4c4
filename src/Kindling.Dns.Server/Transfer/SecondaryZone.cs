using System.Net;
using System.Net.Sockets;
using Kindling.Dns.Config;
using Kindling.Dns.Server.Zones;
using Kindling.Dns.Tsig;
using Microsoft.Extensions.Logging;

namespace Kindling.Dns.Server.Transfer;

/// <summary>
/// Keeps one secondary zone current, as BIND does: at start, every SOA refresh interval, and at once when a primary
/// NOTIFYs (RFC 1996), it asks the primaries in order for their SOA serial and transfers what is newer (IXFR from the
/// held serial, AXFR when none is held or the primary cannot do increments); a failed refresh is retried after the SOA
/// retry interval, and a zone none of whose primaries answered for the SOA expire time stops being served.
/// </summary>
internal sealed class SecondaryZone : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private readonly ZoneStore _store;
    private readonly Func<NamedConf> _conf;
    private readonly Func<AddressFamily, IPAddress?> _source;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private DateTimeOffset _lastSuccess;

    public SecondaryZone(ZoneConfig config, ZoneStore store, Func<NamedConf> conf, Func<AddressFamily, IPAddress?> source, ILogger logger, TimeProvider time)
    {
        Config = config;
        _store = store;
        _conf = conf;
        _source = source;
        _logger = logger;
        _time = time;
        _lastSuccess = config.File is { } file && File.Exists(file) ? new DateTimeOffset(File.GetLastWriteTimeUtc(file)) : time.GetUtcNow();
        Fetch = (primary, key, held, source, cancellationToken) =>
            ZoneFetcher.TransferAsync(primary, key, Config.Name, held, source, Timeout, _conf().MaxRecordsFor(Config), _time, cancellationToken);
    }

    /// <summary>How a transfer is fetched (IXFR from the serial held, else AXFR): <see cref="ZoneFetcher.TransferAsync"/>; tests put faults in front.</summary>
    public Func<RemoteServer, TsigKey?, uint?, IPAddress?, CancellationToken, Task<TransferResult>> Fetch { get; init; }

    public ZoneConfig Config { get; set; }

    /// <summary>Refreshes that brought a new version or found the zone current (for tests and status).</summary>
    public int Refreshes { get; private set; }

    public void Start() => _loop = Task.Run(LoopAsync);

    /// <summary>A NOTIFY from a primary: refresh now.</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    // Only stopping the zone ends this loop: a round that fails in any way, expected or not, is logged and retried after
    // the SOA retry interval (as BIND keeps retrying), so one bad answer from a primary never freezes the zone for good.
    private async Task LoopAsync()
    {
        var failures = 0;
        while (!_stop.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var ok = await RefreshAsync();
                failures = ok ? 0 : failures + 1;
                wait = ok ? Succeeded() : Failed(failures);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failures++;
                wait = RetryWait(failures);
                _logger.LogError(e, "zone {Zone}: refresh round failed unexpectedly ({Error}); retrying in {Wait} s", Config.Name, e.Message, wait.TotalSeconds);
            }

            using var timer = new CancellationTokenSource(wait, _time);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, _stop.Token);
            try
            {
                await _wake.WaitAsync(either.Token);
            }
            catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
            {
                // The refresh (or retry) interval is over.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // After a refresh that found the zone current or brought a new version: the next one after the SOA refresh.
    private TimeSpan Succeeded()
    {
        _lastSuccess = _time.GetUtcNow();
        Touch();
        return Seconds(_store.Zones.Get(Config.Name)?.Soa.Refresh ?? 60);
    }

    // After a refresh no primary answered: the zone expires once the SOA expire has passed since the last success.
    private TimeSpan Failed(int failures)
    {
        var zone = _store.Zones.Get(Config.Name);
        if (zone is not null && _time.GetUtcNow() - _lastSuccess > Seconds(zone.Soa.Expire))
        {
            _logger.LogError("zone {Zone}: expired (no primary answered for {Expire} s, the SOA expire); not served until a transfer succeeds", Config.Name, zone.Soa.Expire);
            _store.Expire(Config.Name);
        }

        return RetryWait(failures);
    }

    // The SOA retry of the zone held, or (none held yet) 1, 2, 4 ... up to 30 s.
    private TimeSpan RetryWait(int failures) => _store.Zones.Get(Config.Name) is { } zone
        ? Seconds(zone.Soa.Retry)
        : TimeSpan.FromTicks(Math.Min(FirstRetry.Ticks << Math.Min(Math.Max(failures, 1) - 1, 5), TimeSpan.FromSeconds(30).Ticks));

    /// <summary>
    /// Marks the zone file with the time of this successful refresh, as BIND does: after a restart the expire counts
    /// from it (see the constructor), not from the last transfer that rewrote the file.
    /// </summary>
    private void Touch()
    {
        if (Config.File is not { } file || !File.Exists(file))
        {
            return;
        }

        try
        {
            File.SetLastWriteTimeUtc(file, _lastSuccess.UtcDateTime);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("zone {Zone}: cannot mark {File} with the refresh time ({Error}); after a restart the SOA expire counts from its older time", Config.Name, file, e.Message);
        }
    }

    private static TimeSpan Seconds(uint value) => TimeSpan.FromSeconds(Math.Max(1, Math.Min(value, int.MaxValue / 1000)));

    private async Task<bool> RefreshAsync()
    {
        var conf = _conf();
        foreach (var primary in Config.Primaries)
        {
            var key = primary.Key is { } name ? conf.Keys.GetValueOrDefault(name) : null;
            var source = _source(primary.Address.AddressFamily);
            try
            {
                var held = _store.Zones.Get(Config.Name)?.Serial;
                var serial = await ZoneFetcher.QuerySerialAsync(primary, key, Config.Name, source, TimeSpan.FromSeconds(2), _time, _stop.Token);
                if (held is { } h && !SerialNumber.IsGreater(serial, h))
                {
                    Refreshes++;
                    return true;
                }

                TransferResult result;
                try
                {
                    result = await Fetch(primary, key, held, source, _stop.Token);
                    if (!result.UpToDate)
                    {
                        _store.AcceptTransfer(Config, result, primary.EndPoint.ToString(), conf.MaxRecordsFor(Config));
                    }
                }
                catch (DnsFormatException e) when (held is not null)
                {
                    // Increments that do not apply: start again from the whole zone, as BIND falls back to AXFR.
                    _logger.LogWarning("zone {Zone}: IXFR from {Primary} not applied ({Error}); trying AXFR", Config.Name, primary.EndPoint, e.Message);
                    result = await Fetch(primary, key, null, source, _stop.Token);
                    _store.AcceptTransfer(Config, result, primary.EndPoint.ToString(), conf.MaxRecordsFor(Config));
                }

                Refreshes++;
                return true;
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception e) when (e is IOException or TimeoutException or DnsFormatException)
            {
                _logger.LogWarning("zone {Zone}: refresh from {Primary} failed: {Error}", Config.Name, primary.EndPoint, e.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Not a failure the transfer code expects (a bug, or a local fault such as a zone file that cannot be
                // written): logged with its stack, and the next primary is tried, as after any other failure.
                _logger.LogError(e, "zone {Zone}: refresh from {Primary} failed unexpectedly: {Error}", Config.Name, primary.EndPoint, e.Message);
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
        _wake.Dispose();
    }
}
