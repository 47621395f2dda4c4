using System.Net;
using Kindling.Artifacts.Access;
using Microsoft.Extensions.Time.Testing;

namespace Kindling.Artifacts.Tests.Access;

/// <summary>The bounded password check: what is answered from memory, who backs off, and when.</summary>
public class LoginGateTests
{
    private static readonly IPAddress Attacker = IPAddress.Parse("192.0.2.7");
    private static readonly IPAddress Other = IPAddress.Parse("192.0.2.8");

    // Cost 4 keeps the tests fast; the gate does not depend on the cost.
    private static readonly Credentials Users = Credentials.FromHashes(new Dictionary<string, string>
    {
        ["admin"] = BCrypt.Net.BCrypt.HashPassword("right", workFactor: 4),
    });

    [Fact]
    public async Task RightPassword_CheckedOnce_ThenAnsweredFromMemory()
    {
        var gate = new LoginGate(Users, time: new FakeTimeProvider());

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(LoginOutcome.Verified, (await gate.CheckAsync("admin", "right", Attacker)).Outcome);
        }

        Assert.Equal(1, gate.Checks);
    }

    [Fact]
    public async Task SameWrongPassword_CheckedOnce_ThenRejectedFromMemory()
    {
        var gate = new LoginGate(Users, time: new FakeTimeProvider());

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(LoginOutcome.Rejected, (await gate.CheckAsync("admin", "wrong", Attacker)).Outcome);
        }

        Assert.Equal(1, gate.Checks);
    }

    [Fact]
    public async Task UnknownUser_RejectedWithoutCheck()
    {
        var gate = new LoginGate(Users, time: new FakeTimeProvider());

        Assert.Equal(LoginOutcome.Rejected, (await gate.CheckAsync("nobody", "x", Attacker)).Outcome);
        Assert.Equal(0, gate.Checks);
    }

    [Fact]
    public async Task FiveWrongPasswords_ClientBacksOffDoubling_KnownPasswordAndOtherClientsUnaffected()
    {
        var time = new FakeTimeProvider();
        var gate = new LoginGate(Users, time: time);
        Assert.Equal(LoginOutcome.Verified, (await gate.CheckAsync("admin", "right", Attacker)).Outcome);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(LoginOutcome.Rejected, (await gate.CheckAsync("admin", $"guess-{i}", Attacker)).Outcome);
        }

        var throttled = await gate.CheckAsync("admin", "guess-5", Attacker);
        var known = await gate.CheckAsync("admin", "right", Attacker);
        var other = await gate.CheckAsync("admin", "guess-x", Other);
        time.Advance(TimeSpan.FromSeconds(1));
        var afterBackoff = await gate.CheckAsync("admin", "guess-6", Attacker);
        var doubled = await gate.CheckAsync("admin", "guess-7", Attacker);

        Assert.Equal(LoginOutcome.Throttled, throttled.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(1), throttled.RetryAfter);
        Assert.Equal(LoginOutcome.Verified, known.Outcome);
        Assert.Equal(LoginOutcome.Rejected, other.Outcome);
        Assert.Equal(LoginOutcome.Rejected, afterBackoff.Outcome);
        Assert.Equal(LoginOutcome.Throttled, doubled.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(2), doubled.RetryAfter);
        Assert.Equal(1 + 5 + 1 + 1, gate.Checks);
        Assert.Equal(2, gate.Throttled);
    }

    [Fact]
    public async Task Backoff_CappedAtMaximum_ForgottenAfterQuietPeriod()
    {
        var time = new FakeTimeProvider();
        var limits = new LoginLimits { FreeFailures = 1, MaxBackoff = TimeSpan.FromSeconds(4) };
        var gate = new LoginGate(Users, limits, time);

        TimeSpan last = default;
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(LoginOutcome.Rejected, (await gate.CheckAsync("admin", $"guess-{i}", Attacker)).Outcome);
            last = (await gate.CheckAsync("admin", $"probe-{i}", Attacker)).RetryAfter;
            time.Advance(last);
        }

        time.Advance(limits.FailureMemory);
        Assert.Equal(LoginOutcome.Rejected, (await gate.CheckAsync("admin", "again", Attacker)).Outcome);
        var restarted = await gate.CheckAsync("admin", "again-2", Attacker);

        Assert.Equal(TimeSpan.FromSeconds(4), last);
        Assert.Equal(TimeSpan.FromSeconds(1), restarted.RetryAfter);
    }

    [Fact]
    public async Task VerifiedPassword_ForgottenAfterLifetimeUnused_CheckedAgain()
    {
        var time = new FakeTimeProvider();
        var gate = new LoginGate(Users, time: time);

        await gate.CheckAsync("admin", "right", Attacker);
        time.Advance(TimeSpan.FromMinutes(59));
        await gate.CheckAsync("admin", "right", Attacker);
        time.Advance(TimeSpan.FromMinutes(59));
        await gate.CheckAsync("admin", "right", Attacker);
        Assert.Equal(1, gate.Checks);

        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(LoginOutcome.Verified, (await gate.CheckAsync("admin", "right", Attacker)).Outcome);
        Assert.Equal(2, gate.Checks);
    }

    [Fact]
    public async Task ManyClients_SameRightPasswordAtOnce_OneCheck()
    {
        var gate = new LoginGate(Users, new LoginLimits { ConcurrentChecks = 1 }, new FakeTimeProvider());

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () => await gate.CheckAsync("admin", "right", Attacker))));

        Assert.All(results, r => Assert.Equal(LoginOutcome.Verified, r.Outcome));
        Assert.Equal(1, gate.Checks);
    }

    [Fact]
    public async Task Ipv6Clients_CountedPerSlash64()
    {
        var gate = new LoginGate(Users, new LoginLimits { FreeFailures = 1 }, new FakeTimeProvider());

        await gate.CheckAsync("admin", "guess", IPAddress.Parse("2001:db8:1:2::1"));
        var sameBlock = await gate.CheckAsync("admin", "guess-2", IPAddress.Parse("2001:db8:1:2::ffff"));
        var otherBlock = await gate.CheckAsync("admin", "guess-3", IPAddress.Parse("2001:db8:1:3::1"));

        Assert.Equal(LoginOutcome.Throttled, sameBlock.Outcome);
        Assert.Equal(LoginOutcome.Rejected, otherBlock.Outcome);
    }
}
