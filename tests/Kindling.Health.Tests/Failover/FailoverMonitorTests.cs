using Kindling.Health.Failover;
using Kindling.Health.Probes;
using Kindling.Testing;
using Microsoft.Extensions.Time.Testing;
using static Kindling.Health.Tests.Failover.Records;

namespace Kindling.Health.Tests.Failover;

/// <summary>The monitor's schedule on a fake clock: probes at boot, fast re-probe, published answers, restart from the state file.</summary>
public sealed class FailoverMonitorTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new(T0);
    private readonly ScriptedProbe _primary;
    private readonly ScriptedProbe _backup;
    private readonly List<FailoverTransition> _transitions = [];
    private readonly TempDirectory _dir = new("kindling-failover");
    private FailoverMonitor? _monitor;

    public FailoverMonitorTests()
    {
        _primary = new ScriptedProbe(_time, "primary");
        _backup = new ScriptedProbe(_time, "backup");
    }

    public async ValueTask DisposeAsync()
    {
        if (_monitor is not null)
        {
            await _monitor.DisposeAsync();
        }

        _dir.Dispose();
    }

    private FailoverMonitor Start(FailoverRecord? record = null, FailoverStateFile? state = null, IContentParityGate? parity = null)
    {
        _monitor = new FailoverMonitor([record ?? Www()], new FailoverMonitorOptions
        {
            Time = _time,
            Probes = (_, side) => side == Side.Primary ? _primary : _backup,
            State = state,
            Parity = parity,
        });
        _monitor.Transitioned += t => { lock (_transitions) { _transitions.Add(t); } };
        _monitor.Start();
        return _monitor;
    }

    private void Advance(double seconds)
    {
        // Step in 10 ms so every timer fires at its own time, as on a real clock.
        for (var i = 0; i < Math.Round(seconds * 100); i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }
    }

    private Side Answering(FailoverMonitor monitor)
    {
        Assert.True(monitor.Answers.TryGet("WWW.tinder-node-server.com.", out var answer));
        return answer.Side;
    }

    private static double[] Offsets(IEnumerable<DateTimeOffset> times, DateTimeOffset from) =>
        [.. times.Where(t => t >= from).Select(t => Math.Round((t - from).TotalSeconds, 3))];

    [Fact]
    public void Start_ProbesBothSidesAtOnce_WithoutAnyQuery()
    {
        Start();

        Assert.Single(_primary.Starts);
        Assert.Single(_backup.Starts);
        Assert.Equal(T0, _primary.Starts[0]);
    }

    [Fact]
    public void Draining_PrimaryShownDrainingAtOnce_AnswerMovesAfterFall_LikeDown()
    {
        var monitor = Start();
        Advance(1.5);
        _primary.Condition = NodeCondition.Draining;
        Advance(0.55); // the check at 2 s: one failure, not yet fall (fast re-probes follow every 100 ms)
        var status = Assert.Single(monitor.Status());
        Assert.Equal(SideState.Draining, status.Primary.State);
        Assert.Contains("draining", status.Primary.LastDetail, StringComparison.Ordinal);
        Assert.Equal(Side.Primary, Answering(monitor));

        Advance(1);
        Assert.Equal(Side.Backup, Answering(monitor));
        Assert.Equal(SideState.Draining, Assert.Single(monitor.Status()).Primary.State);
        Assert.Contains("\"state\": \"draining\"", Kindling.Health.Observability.FailoverStatusJson.Render(monitor.Status()), StringComparison.Ordinal);

        _primary.Condition = NodeCondition.Healthy; // undrained
        Advance(1.05);
        Assert.NotEqual(SideState.Draining, Assert.Single(monitor.Status()).Primary.State);
    }

    [Fact]
    public void Healthy_ProbesEveryInterval()
    {
        Start();
        Advance(3.05);

        Assert.Equal([0, 1, 2, 3], Offsets(_primary.Starts, T0));
    }

    [Fact]
    public void Refused_ReprobesEvery100Ms_AndSwitchesAtTheThirdFailure()
    {
        var monitor = Start();
        Advance(1.5);
        _primary.Condition = NodeCondition.Refused;
        var killed = _time.GetUtcNow();

        Advance(3.25);

        // First failure at the next scheduled probe (t=2 s), then every 100 ms until fall, then every interval.
        Assert.Equal([0.5, 0.6, 0.7, 1.7, 2.7], Offsets(_primary.Starts, killed)[..5]);
        var switched = Assert.Single(_transitions);
        Assert.Equal(Side.Backup, switched.To);
        Assert.Equal(killed + TimeSpan.FromSeconds(0.7), switched.At);
        Assert.Equal(Side.Backup, Answering(monitor));
    }

    [Fact]
    public void Cut_OverlapsFastReprobes_SoTimeoutsDoNotAddUp()
    {
        Start();
        Advance(1.5);
        _primary.Condition = NodeCondition.Cut;
        var cut = _time.GetUtcNow();

        Advance(3);

        // Probe at 0.5 times out at 1.0; re-probes start at 1.0 and 1.1 without waiting for each other.
        Assert.Equal([0.5, 1.0, 1.1], Offsets(_primary.Starts, cut)[..3]);
        var switched = Assert.Single(_transitions);
        Assert.Equal(cut + TimeSpan.FromSeconds(1.6), switched.At);
    }

    [Fact]
    public void HungProbe_CountsAsAFailureAfterTheGuard_SoTheScheduleGoesOn()
    {
        Start();
        Advance(0.5);
        _primary.Condition = NodeCondition.Hung;

        Advance(8);

        var switched = Assert.Single(_transitions);
        Assert.Equal(Side.Backup, switched.To);
        Assert.Contains("the probe did not finish within 2 s", switched.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void OverlappingProbes_FinishingOutOfOrder_DoNotStopTheChecks()
    {
        // Cold start under load: the first probes are slow, so fast re-probes overlap and may finish out of order.
        _primary.Condition = NodeCondition.Held;
        var monitor = Start();
        _primary.Finish(0, ProbeOutcome.Down(TimeSpan.FromMilliseconds(500), "timed out after 500 ms")); // first failure: suspect
        Advance(0.2); // fast re-probes #1 at 0.1 s and #2 at 0.2 s, both outstanding (two failures still needed)
        Assert.Equal(3, _primary.Starts.Count);
        _primary.Finish(2, ProbeOutcome.Down(TimeSpan.FromMilliseconds(1), "connection refused")); // the newer one first
        Advance(0.1); // the next re-probe is due, but one probe is still outstanding and one failure is all fall needs
        _primary.Finish(1, ProbeOutcome.Down(TimeSpan.FromMilliseconds(500), "timed out after 500 ms")); // the older one last
        _primary.Condition = NodeCondition.Refused;

        Advance(3);

        // The primary is still checked, is declared down, and the name fails over.
        Assert.True(_primary.Starts.Count > 3, $"the primary was probed {_primary.Starts.Count} times and then never again");
        Assert.Equal(SideState.Down, Assert.Single(monitor.Status()).Primary.State);
        Assert.Equal(Side.Backup, Answering(monitor));
    }

    [Fact]
    public void Failback_AfterRiseAndHoldDown_AndTheOldAnswerObjectIsUntouched()
    {
        var monitor = Start();
        Advance(0.5);
        var before = monitor.Answers;
        _primary.Condition = NodeCondition.Refused;
        Advance(1);
        Assert.Equal(Side.Backup, Answering(monitor));
        Assert.True(before.TryGet("www.tinder-node-server.com.", out var old));
        Assert.Equal(Side.Primary, old.Side);

        _primary.Condition = NodeCondition.Healthy;
        var restored = _time.GetUtcNow();
        Advance(20);

        Assert.Equal(2, _transitions.Count);
        var failback = _transitions[1];
        Assert.Equal(Side.Primary, failback.To);
        // The fifth good check after the restart reaches rise; the 10 s hold-down starts there.
        var risen = _primary.Starts.Where(t => t >= restored).ElementAt(4);
        Assert.Equal(risen + TimeSpan.FromSeconds(10), failback.At);
        Assert.Equal(Side.Primary, Answering(monitor));
    }

    [Fact]
    public void Failback_HappensWhenTheHoldDownEnds_NotAtTheNextProbe()
    {
        Start(Www(new FailoverTimings { HoldDown = TimeSpan.FromSeconds(2.5) }));
        Advance(0.5);
        _primary.Condition = NodeCondition.Refused;
        Advance(1);
        _primary.Condition = NodeCondition.Healthy;
        var restored = _time.GetUtcNow();
        Advance(10);

        var risen = _primary.Starts.Where(t => t >= restored).ElementAt(4);
        Assert.Equal(risen + TimeSpan.FromSeconds(2.5), _transitions[^1].At);
    }

    [Fact]
    public void BothDown_KeepsAnsweringTheLastHealthySide()
    {
        var monitor = Start();
        Advance(0.5);
        _backup.Condition = NodeCondition.Refused;
        Advance(2);
        _primary.Condition = NodeCondition.Refused;
        Advance(5);

        Assert.Empty(_transitions);
        Assert.Equal(Side.Primary, Answering(monitor));
        var status = Assert.Single(monitor.Status());
        Assert.Equal(SideState.Down, status.Primary.State);
        Assert.Equal(SideState.Down, status.Backup.State);
        Assert.Contains("both sides down", status.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void SetMode_ForcesTheBackupAtOnce_AndAutoReturns()
    {
        var monitor = Start();
        Advance(15);

        Assert.Equal(Side.Backup, monitor.SetMode("www.tinder-node-server.com", FailoverMode.ForceBackup)?.To);
        Assert.Equal(Side.Backup, Answering(monitor));
        Assert.True(monitor.Answers.TryGet("www.tinder-node-server.com.", out var forced));
        Assert.Equal(FailoverMode.ForceBackup, forced.Mode);

        // Back to auto: the primary has been up long past rise and hold-down, so it answers again.
        Assert.Equal(Side.Primary, monitor.SetMode("www.tinder-node-server.com.", FailoverMode.Auto)?.To);
        Assert.Throws<KeyNotFoundException>(() => monitor.SetMode("nope.example.", FailoverMode.Auto));
    }

    [Fact]
    public async Task Restart_FromTheStateFile_KeepsTheBackupUntilTheFailbackRules()
    {
        var stateFile = new FailoverStateFile(_dir.File("failover.state.json"));
        var first = Start(state: stateFile);
        Advance(0.5);
        _primary.Condition = NodeCondition.Refused;
        Advance(1);
        Assert.Equal(Side.Backup, Answering(first));
        await first.DisposeAsync();
        _monitor = null;

        _primary.Condition = NodeCondition.Healthy;
        _transitions.Clear();
        var second = Start(state: stateFile);

        Assert.Equal(Side.Backup, Answering(second)); // before any probe of the new process
        Advance(13.95); // good checks at 0..4 s reach rise; the restored 10 s hold-down ends at 14 s
        Assert.Empty(_transitions);
        Advance(0.1);
        Assert.Equal(Side.Primary, Assert.Single(_transitions).To);
        Assert.Contains("\"active\": \"primary\"", await File.ReadAllTextAsync(stateFile.Path, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public void Parity_Mismatch_HoldsTheBackup_UntilTheDigestsMatch()
    {
        var gate = new FakeParityGate();
        var monitor = Start(Www(parity: new ParitySpec { UrlTemplate = "https://{address}/kindling/v1/content-digest" }), parity: gate);
        Advance(0.5);
        _primary.Condition = NodeCondition.Refused;
        Advance(1);
        _primary.Condition = NodeCondition.Healthy;
        Advance(30);

        Assert.Equal(Side.Backup, Answering(monitor));
        Assert.True(gate.Checks > 5);
        Assert.Contains("sha256:aaa", Assert.Single(monitor.Status()).Parity, StringComparison.Ordinal);

        gate.Match = true;
        Advance(1.05);
        Assert.Equal(Side.Primary, Answering(monitor));
    }

    private sealed class FakeParityGate : IContentParityGate
    {
        public bool Match { get; set; }

        public int Checks { get; private set; }

        public Task<ParityResult> CheckAsync(FailoverRecord record, CancellationToken cancellationToken)
        {
            Checks++;
            return Task.FromResult(Match ? new ParityResult(true, "both report sha256:bbb") : new ParityResult(false, "primary reports sha256:aaa, backup reports sha256:bbb"));
        }
    }
}
