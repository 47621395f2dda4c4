namespace Kindling.Health.Failover;

/// <summary>What a record's monitor reports to the <see cref="FailoverMonitor"/> that owns it.</summary>
internal interface IRecordEvents
{
    /// <summary>Called under the record's lock, right after a switch or mode change: swap the cached answer.</summary>
    void Publish(FailoverAnswer answer);

    /// <summary>Called outside the lock: log, persist, notify listeners.</summary>
    void Changed(FailoverTransition? transition, SideChange? change, bool modeChanged);

    void ParityPending(string name, string detail);

    /// <summary>The first probe of a side finished without changing its state (a change is reported by <see cref="Changed"/>).</summary>
    void FirstCheck(string name, Side side, string detail);

    /// <summary>The watchdog found a side with no finished probe for <paramref name="quiet"/>: its checks have stalled.</summary>
    void Stalled(string name, Side side, TimeSpan quiet, int outstanding, TimeSpan expected);

    /// <summary>A probe of a side the watchdog had flagged finished after <paramref name="quiet"/>.</summary>
    void Resumed(string name, Side side, TimeSpan quiet);

    /// <summary>This instance's own vote on a side changed (state or risen): publish it to the peers at once.</summary>
    void ViewChanged();

    /// <summary>With peers: the aggregated health of a side changed (the detail names the views that decided it).</summary>
    void Agreed(SideChange change);

    /// <summary>A probe or parity task failed unexpectedly (a bug): it is logged, never swallowed.</summary>
    void Faulted(string name, Exception error);
}
