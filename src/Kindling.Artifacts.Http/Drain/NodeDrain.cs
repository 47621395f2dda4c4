using System.Text.Json.Nodes;

namespace Kindling.Artifacts.Http.Drain;

/// <summary>
/// A node taken out of service for planned work without failing a request: once draining, <c>/healthz</c> answers
/// 503 <c>draining</c> (so the failover DNS moves clients to the other node after <c>fall</c> checks) while every
/// other route keeps serving. The node counts as drained once no client request has been in flight or arrived for
/// the quiet period (at least the failover record's TTL, so resolvers have let the old answer go) since draining
/// began. Client requests are the registry, chart and file routes; health, metrics and node endpoints are not.
/// Thread-safe: requests update it from any thread.
/// </summary>
public sealed class NodeDrain(TimeProvider time, TimeSpan quiet)
{
    private readonly Lock _lock = new();
    private long _inFlight;
    private long _lastActivity = time.GetTimestamp();
    private long _requestsWhileDraining;
    private DateTimeOffset? _since;
    private long _sinceTimestamp;

    /// <summary>How long no request must arrive before the node counts as drained.</summary>
    public TimeSpan Quiet { get; private set; } = quiet;

    public bool Draining => Volatile.Read(ref _sinceTimestamp) != 0;

    /// <summary>A client request begins (call <see cref="Exit"/> when it ends, however it ends).</summary>
    public void Enter()
    {
        Interlocked.Increment(ref _inFlight);
        Volatile.Write(ref _lastActivity, time.GetTimestamp());
        if (Draining)
        {
            Interlocked.Increment(ref _requestsWhileDraining);
        }
    }

    public void Exit()
    {
        Volatile.Write(ref _lastActivity, time.GetTimestamp());
        Interlocked.Decrement(ref _inFlight);
    }

    /// <summary>Starts draining (again: keeps the first start); <paramref name="quiet"/> replaces the quiet period.</summary>
    public void Start(TimeSpan? quiet = null)
    {
        lock (_lock)
        {
            if (quiet is { } q)
            {
                Quiet = q;
            }

            if (_sinceTimestamp == 0)
            {
                _since = time.GetUtcNow();
                Interlocked.Exchange(ref _requestsWhileDraining, 0);
                Volatile.Write(ref _sinceTimestamp, time.GetTimestamp());
            }
        }
    }

    /// <summary>Returns to service: <c>/healthz</c> answers from its checks again.</summary>
    public void Stop()
    {
        lock (_lock)
        {
            _since = null;
            Volatile.Write(ref _sinceTimestamp, 0);
        }
    }

    public DrainStatus Status()
    {
        lock (_lock)
        {
            var inFlight = Interlocked.Read(ref _inFlight);
            var sinceActivity = time.GetElapsedTime(Volatile.Read(ref _lastActivity));
            if (_sinceTimestamp == 0)
            {
                return new DrainStatus(DrainState.Serving, null, TimeSpan.Zero, sinceActivity, inFlight, 0, Quiet);
            }

            var draining = time.GetElapsedTime(_sinceTimestamp);
            var quietFor = inFlight > 0 ? TimeSpan.Zero : (draining < sinceActivity ? draining : sinceActivity);
            var state = quietFor >= Quiet ? DrainState.Drained : DrainState.Draining;
            return new DrainStatus(state, _since, draining, quietFor, inFlight, Interlocked.Read(ref _requestsWhileDraining), Quiet);
        }
    }
}

/// <summary>Serving, draining (healthz 503, requests still served), or drained (quiet for the quiet period).</summary>
public enum DrainState
{
    Serving,
    Draining,
    Drained,
}

/// <summary>The drain as <c>kindling node drain</c> and <c>/healthz</c> show it.</summary>
/// <param name="QuietFor">How long no request has been in flight or arrived (since draining began, while draining).</param>
/// <param name="Requests">Client requests that arrived since draining began.</param>
public sealed record DrainStatus(DrainState State, DateTimeOffset? Since, TimeSpan Draining, TimeSpan QuietFor, long InFlight, long Requests, TimeSpan Quiet)
{
    public JsonObject ToJson() => new()
    {
        ["state"] = State.ToString().ToLowerInvariant(),
        ["since"] = Since?.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["drainingSeconds"] = Math.Round(Draining.TotalSeconds, 3),
        ["quietSeconds"] = Math.Round(QuietFor.TotalSeconds, 3),
        ["quietPeriodSeconds"] = Quiet.TotalSeconds,
        ["inFlight"] = InFlight,
        ["requestsWhileDraining"] = Requests,
    };
}
