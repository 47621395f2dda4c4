using Kindling.Replication.Sync;

namespace Kindling.Replication.Continuous;

/// <summary>The replicator's progress, written by its loop and read by /healthz and /metrics (one lock, tiny sections).</summary>
internal sealed class ReplicationState
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (long Items, long Bytes)> _copies = new(StringComparer.Ordinal) { ["forward"] = (0, 0), ["reverse"] = (0, 0) };
    private DateTimeOffset _started;
    private DateTimeOffset? _lastInStep;
    private DateTimeOffset? _lastSuccess;
    private DateTimeOffset? _lastAttempt;
    private string? _lastError;
    private bool _inStep;
    private long _ok;
    private long _failed;

    public sealed record View(string Status, bool InStep, DateTimeOffset Started, DateTimeOffset? LastInStep, DateTimeOffset? LastSuccess,
        DateTimeOffset? LastAttempt, string? LastError, long RoundsOk, long RoundsFailed, IReadOnlyList<(string Direction, long Items, long Bytes)> Copies)
    {
        /// <summary>How far behind the source this node may be: since the start of the last round that ended in step (or since start).</summary>
        public TimeSpan Lag(DateTimeOffset now) => now - (LastInStep ?? Started);
    }

    public void Started(DateTimeOffset now)
    {
        lock (_lock)
        {
            _started = now;
        }
    }

    public void Copied(string direction, SyncTally tally)
    {
        lock (_lock)
        {
            var (items, bytes) = _copies[direction];
            _copies[direction] = (items + tally.All.Sum(k => k.Items), bytes + tally.BytesCopied);
        }
    }

    public void Succeeded(DateTimeOffset started, DateTimeOffset now, bool inStep)
    {
        lock (_lock)
        {
            _lastAttempt = now;
            _lastSuccess = now;
            _inStep = inStep;
            _lastError = null;
            _ok++;
            if (inStep)
            {
                _lastInStep = started;
            }
        }
    }

    public void Failed(DateTimeOffset now, string error)
    {
        lock (_lock)
        {
            _lastAttempt = now;
            _lastError = error;
            _inStep = false;
            _failed++;
        }
    }

    public View Read()
    {
        lock (_lock)
        {
            var status = _lastAttempt is null ? "starting" : _lastError is not null ? "failing" : _inStep ? "ok" : "catching-up";
            return new View(status, _inStep, _started, _lastInStep, _lastSuccess, _lastAttempt, _lastError, _ok, _failed,
                _copies.Select(c => (c.Key, c.Value.Items, c.Value.Bytes)).ToList());
        }
    }
}
