using Kindling.Dns;
using Kindling.Health.Observability;
using Kindling.Health.Peers;
using Kindling.Health.Probes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kindling.Health.Failover;

/// <summary>How a <see cref="FailoverMonitor"/> gets its time, probes, parity gate, state file and log.</summary>
public sealed record FailoverMonitorOptions
{
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>The probe of one side of a record; null builds real HTTP(S)/TCP probes (<see cref="ProbeFactory"/>).</summary>
    public Func<FailoverRecord, Side, IHealthProbe>? Probes { get; init; }

    /// <summary>The content-parity gate; null uses <see cref="ContentDigestGate"/> for records with <c>parity</c>.</summary>
    public IContentParityGate? Parity { get; init; }

    /// <summary>Where the active sides survive a restart; null keeps them in memory only.</summary>
    public FailoverStateFile? State { get; init; }

    /// <summary>
    /// The side each named record answers with at start, overriding the state file (external mode: what the
    /// DNS server actually holds). The mode and hold-down still come from the state file.
    /// </summary>
    public IReadOnlyDictionary<DomainName, Side>? InitialActive { get; init; }

    /// <summary>The peers' views, aggregated with this instance's own in every decision; null decides alone.</summary>
    internal PeerAggregator? Peers { get; init; }
}

/// <summary>
/// Runs the health checks of every failover record from the moment it starts (never from a query) and keeps
/// <see cref="Answers"/>, the table the DNS query path reads with one volatile load. Each switch is logged
/// with its reason, saved to the state file, and handed to <see cref="Transitioned"/> listeners (the zone's
/// SOA serial bump and NOTIFY, the webhook).
/// </summary>
public sealed class FailoverMonitor : IRecordEvents, IAsyncDisposable
{
    private readonly FailoverMonitorOptions _options;
    private readonly Dictionary<string, RecordMonitor> _records = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _publishLock = new();
    private readonly Lock _saveLock = new();
    private FailoverAnswers _answers;
    private bool _started;

    /// <summary>Builds the monitors and the first answers (restored from the state file when there is one).</summary>
    /// <exception cref="InvalidDataException">The state file exists but cannot be read.</exception>
    public FailoverMonitor(IEnumerable<FailoverRecord> records, FailoverMonitorOptions? options = null)
    {
        _options = options ?? new FailoverMonitorOptions();
        var restored = _options.State?.Load() ?? new Dictionary<string, FailoverRecordState>();
        var factory = new ProbeFactory(_options.Time);
        var probes = _options.Probes ?? factory.ForSide;
        var parity = _options.Parity ?? new ContentDigestGate(factory);
        var now = _options.Time.GetUtcNow();
        foreach (var record in records)
        {
            var name = record.Name.ToString();
            var state = restored.GetValueOrDefault(name);
            if (_options.InitialActive is { } initial && initial.TryGetValue(record.Name, out var active) && state?.Active != active)
            {
                state = (state ?? new FailoverRecordState { Name = name, Active = active, HoldDown = record.Timings.HoldDown }) with { Active = active, ActiveSince = now };
            }

            var machine = new FailoverStateMachine(record, now, state, _options.Peers);
            if (state is not null)
            {
                FailoverLog.Restored(_options.Logger, name, Lower(state.Active), Lower(state.Mode), FailoverStateMachine.Format(machine.HoldDown.Current));
            }

            _records.Add(name, new RecordMonitor(machine, side => probes(record, side), _options.Time, record.Parity is null ? null : parity, this));
        }

        _answers = FailoverAnswers.Of(_records.Values.Select(r => r.Answer()));
    }

    /// <summary>The current answers; the query path reads this once per query and never waits.</summary>
    public FailoverAnswers Answers => Volatile.Read(ref _answers);

    public IEnumerable<FailoverRecord> Records => _records.Values.Select(r => r.Record);

    /// <summary>Raised after each switch, once the new answer is in <see cref="Answers"/>. Keep handlers short.</summary>
    public event Action<FailoverTransition>? Transitioned;

    /// <summary>Raised when a side is declared up or down.</summary>
    public event Action<SideChange>? SideChanged;

    /// <summary>Raised (outside any lock) when this instance's own vote on a side changed: the peers should hear it at once.</summary>
    public event Action? OwnViewChanged;

    /// <summary>This instance's own view of every record (what it publishes to its peers).</summary>
    public IReadOnlyList<RecordView> OwnView() => [.. _records.Values.Select(r => r.OwnView())];

    /// <summary>Decides every record again now (a peer's view arrived, or one may have gone stale).</summary>
    public void Reevaluate()
    {
        if (!_started)
        {
            return;
        }

        foreach (var record in _records.Values)
        {
            record.Reevaluate();
        }
    }

    /// <summary>Starts every record's probes (at boot: the first probes go out now).</summary>
    public void Start()
    {
        if (_started)
        {
            return;
        }

        _started = true;
        foreach (var record in _records.Values)
        {
            record.Start();
        }
    }

    /// <summary>Forces a side of <paramref name="name"/> or returns it to automatic; returns the switch it caused, if any.</summary>
    /// <exception cref="KeyNotFoundException">No failover record has that name.</exception>
    public FailoverTransition? SetMode(string name, FailoverMode mode)
    {
        var key = name.EndsWith('.') ? name : name + ".";
        if (!_records.TryGetValue(key, out var record))
        {
            throw new KeyNotFoundException($"{name} is not a failover record (known: {string.Join(", ", _records.Keys)})");
        }

        var transition = record.SetMode(mode);
        FailoverLog.ModeSet(_options.Logger, record.Record.Name.ToString(), Lower(mode), Lower(record.Answer().Side));
        return transition;
    }

    public IReadOnlyList<RecordStatus> Status() => [.. _records.Values.Select(r => r.Status())];

    /// <summary>The probe latency histogram of one side of a record.</summary>
    public LatencyHistogram Latency(string name, Side side) => _records[name].LatencyOf(side);

    public async ValueTask DisposeAsync()
    {
        foreach (var record in _records.Values)
        {
            await record.DisposeAsync();
        }
    }

    void IRecordEvents.Publish(FailoverAnswer answer)
    {
        lock (_publishLock)
        {
            Volatile.Write(ref _answers, _answers.With(answer));
        }
    }

    void IRecordEvents.Changed(FailoverTransition? transition, SideChange? change, bool modeChanged)
    {
        var logger = _options.Logger;
        if (change is not null)
        {
            FailoverLog.SideChanged(logger, change.Name, Lower(change.Side), Lower(change.State), change.Detail);
        }

        if (transition is not null)
        {
            FailoverLog.Switched(logger, transition.Name, Lower(transition.From), Lower(transition.To), transition.Reason);
        }

        Save();
        try
        {
            if (change is not null)
            {
                SideChanged?.Invoke(change);
            }

            if (transition is not null)
            {
                Transitioned?.Invoke(transition);
            }
        }
        catch (Exception e)
        {
            FailoverLog.ListenerFailed(logger, e.Message);
        }
    }

    void IRecordEvents.ParityPending(string name, string detail) => FailoverLog.ParityPending(_options.Logger, name, detail);

    void IRecordEvents.FirstCheck(string name, Side side, string detail) => FailoverLog.FirstCheck(_options.Logger, name, Lower(side), detail);

    void IRecordEvents.Stalled(string name, Side side, TimeSpan quiet, int outstanding, TimeSpan expected) =>
        FailoverLog.Stalled(_options.Logger, name, Lower(side), FailoverStateMachine.Format(quiet), FailoverStateMachine.Format(expected), outstanding);

    void IRecordEvents.Resumed(string name, Side side, TimeSpan quiet) =>
        FailoverLog.Resumed(_options.Logger, name, Lower(side), FailoverStateMachine.Format(quiet));

    void IRecordEvents.ViewChanged()
    {
        try
        {
            OwnViewChanged?.Invoke();
        }
        catch (Exception e)
        {
            FailoverLog.ListenerFailed(_options.Logger, e.Message);
        }
    }

    void IRecordEvents.Agreed(SideChange change) =>
        FailoverLog.Agreed(_options.Logger, change.Name, Lower(change.Side), Lower(change.State), change.Detail);

    void IRecordEvents.Faulted(string name, Exception error) => FailoverLog.Faulted(_options.Logger, name, error);

    private void Save()
    {
        if (_options.State is not { } file)
        {
            return;
        }

        // The states are read inside the lock, so the last writer always writes the newest state.
        lock (_saveLock)
        {
            try
            {
                file.Save(_records.Values.Select(r => r.Save()).ToList());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                FailoverLog.SaveFailed(_options.Logger, file.Path, e.Message);
            }
        }
    }

    private static string Lower<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();
}
