using Kindling.Health.Failover;
using static Kindling.Health.Tests.Failover.Records;

namespace Kindling.Health.Tests.Failover;

/// <summary>The ring of recent checks behind the status page's timeline: the last 5 minutes, at most 180 entries.</summary>
public sealed class RecentChecksTests
{
    [Fact]
    public void Remember_DropsChecksOlderThanTheWindow()
    {
        var side = new SideSchedule(Side.Primary, new ScriptedProbe(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(T0), "primary"));

        for (var i = 0; i <= 120; i++)
        {
            side.Remember(new RecentCheck(T0 + TimeSpan.FromSeconds(5 * i), i % 2 == 0, 0.01, null));
        }

        Assert.Equal(61, side.Recent.Count); // 0 .. 300 s before the newest, every 5 s
        Assert.Equal(T0 + TimeSpan.FromSeconds(300), side.Recent.Peek().At);
        Assert.Equal(T0 + TimeSpan.FromSeconds(600), side.Recent.Last().At);
    }

    [Fact]
    public void Remember_KeepsAtMostTheLimit_TheNewest()
    {
        var side = new SideSchedule(Side.Backup, new ScriptedProbe(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(T0), "backup"));

        for (var i = 0; i < 1000; i++)
        {
            side.Remember(new RecentCheck(T0 + TimeSpan.FromMilliseconds(100 * i), true, 0.01, null));
        }

        Assert.Equal(SideSchedule.RecentLimit, side.Recent.Count);
        Assert.Equal(T0 + TimeSpan.FromMilliseconds(100 * 999), side.Recent.Last().At);
    }
}
