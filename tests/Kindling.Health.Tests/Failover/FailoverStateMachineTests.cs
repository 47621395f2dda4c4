using Kindling.Health.Failover;
using Kindling.Health.Probes;
using static Kindling.Health.Tests.Failover.Records;

namespace Kindling.Health.Tests.Failover;

/// <summary>The decisions alone, with time passed in: fall/rise, hold-down growth and reset, both down, overrides, restore.</summary>
public sealed class FailoverStateMachineTests
{
    private static readonly ProbeOutcome Good = ProbeOutcome.Up(TimeSpan.FromMilliseconds(1));
    private static readonly ProbeOutcome Refused = ProbeOutcome.Down(TimeSpan.FromMilliseconds(1), "connection refused");

    private readonly FailoverStateMachine _machine = new(Www(), T0);
    private DateTimeOffset _now = T0;

    private Evaluation See(Side side, ProbeOutcome outcome, double afterSeconds = 0)
    {
        _now += TimeSpan.FromSeconds(afterSeconds);
        return _machine.Observe(side, outcome, _now, out _);
    }

    private void BothUp()
    {
        See(Side.Primary, Good);
        See(Side.Backup, Good);
    }

    /// <summary>Kills the primary: three failures 100 ms apart.</summary>
    private FailoverTransition? KillPrimary()
    {
        FailoverTransition? switched = null;
        for (var i = 0; i < 3; i++)
        {
            switched ??= See(Side.Primary, Refused, 0.1).Transition;
        }

        return switched;
    }

    /// <summary>Good primary checks one second apart until a failback or <paramref name="max"/> checks.</summary>
    private (FailoverTransition? Transition, int Checks) PrimaryHealthyUntilFailback(int max = 1000)
    {
        for (var i = 1; i <= max; i++)
        {
            if (See(Side.Primary, Good, 1).Transition is { } t)
            {
                return (t, i);
            }
        }

        return (null, max);
    }

    [Fact]
    public void Fall_TwoFailures_KeepThePrimary_TheThirdSwitchesToTheBackup()
    {
        BothUp();

        Assert.Null(See(Side.Primary, Refused, 1).Transition);
        Assert.Null(See(Side.Primary, Refused, 0.1).Transition);
        var switched = See(Side.Primary, Refused, 0.1).Transition;

        Assert.NotNull(switched);
        Assert.Equal(Side.Backup, switched.To);
        Assert.Equal(Side.Backup, _machine.Active);
        Assert.Contains("primary down after 3 consecutive failed checks (connection refused)", switched.Reason, StringComparison.Ordinal);
        Assert.Equal("127.0.0.3", Assert.Single(switched.Addresses).ToString());
    }

    [Fact]
    public void Fall_ASuccessBetweenFailures_ResetsTheCount()
    {
        BothUp();
        See(Side.Primary, Refused, 1);
        See(Side.Primary, Refused, 0.1);
        See(Side.Primary, Good, 0.1);
        See(Side.Primary, Refused, 1);
        See(Side.Primary, Refused, 0.1);

        Assert.Equal(Side.Primary, _machine.Active);
        Assert.True(_machine.Primary.Suspect);
        Assert.Equal(1, _machine.Primary.FailuresToFall);
    }

    [Fact]
    public void Rise_PrimaryNeedsFiveGoodChecksAndTheHoldDown_BeforeFailback()
    {
        BothUp();
        KillPrimary();

        for (var i = 0; i < 4; i++)
        {
            See(Side.Primary, Good, 1);
        }

        Assert.Equal(SideState.Down, _machine.Primary.State);
        See(Side.Primary, Good, 1);
        Assert.Equal(SideState.Up, _machine.Primary.State);
        var risenAt = _now;
        Assert.Equal(Side.Backup, _machine.Active);

        for (var i = 0; i < 9; i++)
        {
            Assert.Null(See(Side.Primary, Good, 1).Transition);
        }

        var failback = See(Side.Primary, Good, 1).Transition;
        Assert.NotNull(failback);
        Assert.Equal(Side.Primary, failback.To);
        Assert.Equal(TimeSpan.FromSeconds(10), _now - risenAt);
        Assert.Contains("10 s hold-down has passed", failback.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void HoldDown_AFailedCheckDuringIt_StartsRiseAndHoldDownAgain()
    {
        BothUp();
        KillPrimary();
        for (var i = 0; i < 10; i++)
        {
            See(Side.Primary, Good, 1);
        }

        See(Side.Primary, Refused, 1); // one blip: still up, but the run of good checks is broken
        Assert.True(_machine.Primary.IsUp);

        var (failback, checks) = PrimaryHealthyUntilFailback();

        Assert.NotNull(failback);
        Assert.Equal(5 + 10, checks); // rise again, then the whole hold-down again
    }

    [Fact]
    public void HoldDown_DoublesEachTimeThePrimaryFailsAgainWithinTenMinutes_UpToFiveMinutes()
    {
        BothUp();
        var holdDowns = new List<double>();
        for (var flap = 0; flap < 7; flap++)
        {
            KillPrimary();
            holdDowns.Add(_machine.HoldDown.Current.TotalSeconds);
            var (failback, checks) = PrimaryHealthyUntilFailback();
            Assert.NotNull(failback);
            Assert.Equal(5 + holdDowns[^1], checks); // 5 checks to rise (the 5th starts the hold-down), then the hold-down
            See(Side.Primary, Good, 30); // healthy a while, less than ten minutes since the recovery
        }

        Assert.Equal([10, 20, 40, 80, 160, 300, 300], holdDowns);
    }

    [Fact]
    public void HoldDown_APrimaryThatComesUpForTheFirstTimeHasNotFlapped()
    {
        // The DNS starts before the primary is installed: down, then up for the first time, then a real crash.
        See(Side.Backup, Good);
        KillPrimary();
        for (var i = 0; i < 5; i++)
        {
            See(Side.Primary, Good, 1);
        }

        Assert.Null(_machine.HoldDown.LastRecoveredAt);
        See(Side.Primary, Good, 30);
        KillPrimary();

        Assert.Equal(TimeSpan.FromSeconds(10), _machine.HoldDown.Current);
    }

    [Fact]
    public void HoldDown_ResetsAfterAQuietPeriodWithThePrimaryUp()
    {
        BothUp();
        KillPrimary();
        PrimaryHealthyUntilFailback();
        KillPrimary();
        Assert.Equal(TimeSpan.FromSeconds(20), _machine.HoldDown.Current);
        PrimaryHealthyUntilFailback();

        See(Side.Primary, Good, 570); // 590 s since the recovery
        Assert.Equal(TimeSpan.FromSeconds(20), _machine.HoldDown.Current);
        See(Side.Primary, Good, 30);
        Assert.Equal(TimeSpan.FromSeconds(10), _machine.HoldDown.Current);

        KillPrimary();
        Assert.Equal(TimeSpan.FromSeconds(10), _machine.HoldDown.Current);
    }

    [Fact]
    public void BothDown_ThePrimaryFailsWhileTheBackupIsDown_KeepsThePrimaryAnswer()
    {
        BothUp();
        See(Side.Backup, Refused, 1);
        See(Side.Backup, Refused, 0.1);
        See(Side.Backup, Refused, 0.1);

        Assert.Null(KillPrimary());

        Assert.Equal(Side.Primary, _machine.Active);
        Assert.Contains("both sides down", _machine.Explain(_now), StringComparison.Ordinal);

        // The backup comes back first: after rise good checks it takes over.
        for (var i = 0; i < 4; i++)
        {
            Assert.Null(See(Side.Backup, Good, 1).Transition);
        }

        Assert.Equal(Side.Backup, See(Side.Backup, Good, 1).Transition?.To);
    }

    [Fact]
    public void BothDown_TheBackupFailsWhileActive_KeepsTheBackupUntilThePrimaryIsUp()
    {
        BothUp();
        KillPrimary();
        See(Side.Backup, Refused, 1);
        See(Side.Backup, Refused, 0.1);
        Assert.Null(See(Side.Backup, Refused, 0.1).Transition);
        Assert.Equal(Side.Backup, _machine.Active);

        for (var i = 0; i < 4; i++)
        {
            Assert.Null(See(Side.Primary, Good, 1).Transition);
        }

        var back = See(Side.Primary, Good, 1).Transition;
        Assert.Equal(Side.Primary, back?.To);
        Assert.Contains("without waiting for the hold-down", back!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void BackupFailsDuringTheHoldDown_FailsBackAtOnce()
    {
        BothUp();
        KillPrimary();
        for (var i = 0; i < 6; i++)
        {
            See(Side.Primary, Good, 1);
        }

        See(Side.Backup, Refused, 0.1);
        See(Side.Backup, Refused, 0.1);
        Assert.Equal(Side.Primary, See(Side.Backup, Refused, 0.1).Transition?.To);
    }

    [Fact]
    public void Override_ForceBackup_HoldsWhateverTheHealth_AndAutoResumesDecisions()
    {
        BothUp();
        var forced = _machine.SetMode(FailoverMode.ForceBackup, _now).Transition;
        Assert.Equal(Side.Backup, forced?.To);
        Assert.Contains("operator", forced!.Reason, StringComparison.Ordinal);

        See(Side.Backup, Refused, 1);
        See(Side.Backup, Refused, 0.1);
        See(Side.Backup, Refused, 0.1);
        for (var i = 0; i < 20; i++)
        {
            See(Side.Primary, Good, 1);
        }

        Assert.Equal(Side.Backup, _machine.Active);

        // Back to automatic: the backup is down and the primary up, so the primary answers at once.
        Assert.Equal(Side.Primary, _machine.SetMode(FailoverMode.Auto, _now).Transition?.To);
    }

    [Fact]
    public void Override_ForcePrimary_WhileThePrimaryIsDown_AnswersThePrimary_AutoFailsOverAgain()
    {
        BothUp();
        KillPrimary();
        Assert.Equal(Side.Primary, _machine.SetMode(FailoverMode.ForcePrimary, _now).Transition?.To);
        See(Side.Primary, Refused, 1);
        Assert.Equal(Side.Primary, _machine.Active);

        Assert.Equal(Side.Backup, _machine.SetMode(FailoverMode.Auto, _now).Transition?.To);
    }

    [Fact]
    public void Restore_ActiveBackup_StaysOnTheBackupUntilRiseAndHoldDown()
    {
        var saved = new FailoverRecordState
        {
            Name = "www.tinder-node-server.com.",
            Active = Side.Backup,
            ActiveSince = T0.AddMinutes(-3),
            HoldDown = TimeSpan.FromSeconds(20),
            LastRecoveredAt = T0.AddMinutes(-4),
            Transitions = 3,
        };
        var machine = new FailoverStateMachine(Www(), T0, saved);

        Assert.Equal(Side.Backup, machine.Active);
        Assert.Equal(TimeSpan.FromSeconds(20), machine.HoldDown.Current);
        var now = T0;
        machine.Observe(Side.Backup, Good, now, out _);
        FailoverTransition? failback = null;
        var checks = 0;
        while (failback is null && checks < 100)
        {
            now += TimeSpan.FromSeconds(1);
            checks++;
            failback = machine.Observe(Side.Primary, Good, now, out _).Transition;
        }

        Assert.Equal(5 + 20, checks);
        Assert.Equal(4, machine.Transitions);
        Assert.Equal(Side.Primary, machine.Save().Active);
    }

    [Fact]
    public void Parity_FailbackWaitsForTheGate()
    {
        var machine = new FailoverStateMachine(Www(parity: new ParitySpec { UrlTemplate = "https://{address}/kindling/v1/content-digest" }), T0);
        var now = T0;
        machine.Observe(Side.Primary, Good, now, out _);
        machine.Observe(Side.Backup, Good, now, out _);
        for (var i = 0; i < 3; i++)
        {
            machine.Observe(Side.Primary, Refused, now += TimeSpan.FromSeconds(0.1), out _);
        }

        Evaluation evaluation = default;
        for (var i = 0; i < 15; i++)
        {
            evaluation = machine.Observe(Side.Primary, Good, now += TimeSpan.FromSeconds(1), out _);
        }

        Assert.True(evaluation.AwaitingParity);
        Assert.Null(evaluation.Transition);
        Assert.Equal(Side.Backup, machine.Active);
        var confirmed = machine.Evaluate(now, parityConfirmed: true).Transition;
        Assert.Equal(Side.Primary, confirmed?.To);
        Assert.Contains("same content digest", confirmed!.Reason, StringComparison.Ordinal);
    }
}
