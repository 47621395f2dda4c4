using System.Globalization;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.HighAvailability;

/// <summary>
/// The seed's whole scenario across real network namespaces (root only): clients pull continuously through the
/// domain while the primary is killed, restored, cut off, restored and flapped; every client failure is recorded.
/// Runs once with Kindling's DNS server and once with a real BIND switched by <c>kindling failover</c> (RFC 2136).
/// </summary>
public class NamespaceHaTests
{
    private static readonly TimeSpan SwitchTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FailbackTimeout = TimeSpan.FromSeconds(150);

    [Theory]
    [InlineData(DnsMode.KindlingDns)]
    [InlineData(DnsMode.ExternalBind)]
    public async Task SeedScenario_KillCutRestoreFlap_ClientsFollowPromptlyAndNothingIsLost(DnsMode mode)
    {
        Requires.Root("the hosts run in network namespaces joined by veth pairs and a bridge (ip netns add)");
        var output = TestContext.Current.TestOutputHelper!;
        await using var ha = await HaLab.CreateAsync(mode);
        await using var load = new ClientLoad(ha.Lab, "client", ha.Clock, ha.Files);
        await load.StartAsync();
        await Task.Delay(3000, TestContext.Current.CancellationToken);
        Assert.All(load.Requests, r => Assert.True(r.Ok, $"before any fault: {r}"));
        var now = () => ha.Clock.Elapsed.TotalSeconds;

        // (a) the primary's node service is killed.
        var killed = now();
        await ha.CrashPrimaryAsync();
        var switched = await ha.WaitForAnswerAsync(HaFiles.BackupIp, SwitchTimeout);
        await Task.Delay(4000, TestContext.Current.CancellationToken);
        var killGap = Unavailability(load.Requests, killed, now());
        output.WriteLine($"{mode} kill: DNS answered the backup {switched - killed:0.00} s after the kill; clients unavailable {killGap:0.00} s");
        Assert.True(killGap <= 8, $"clients could not pull for {killGap:0.00} s after the kill (goal ≤ 8 s: detection + TTL)");

        // Content pushed while the backup is active must survive the failback.
        var pushed = $"kindling/pushed-during-failover:{mode.ToString().ToLowerInvariant()}";
        await PushThroughDomainAsync(ha, pushed);

        // (c) the primary comes back: failback after rise + hold-down, and no client failure from then on.
        var restarted = now();
        await ha.RestartPrimaryAsync();
        var failedBack = await ha.WaitForAnswerAsync(HaFiles.PrimaryIp, FailbackTimeout);
        await Task.Delay(5000, TestContext.Current.CancellationToken);
        output.WriteLine($"{mode} restore after kill: failback {failedBack - restarted:0.00} s after the restart; failures after failback: {Failures(load.Requests, failedBack, now())}");
        Assert.Equal(0, Failures(load.Requests, failedBack, now()));
        await AssertOnPrimaryAsync(ha, pushed);

        // (b) the primary's link is cut: clients see timeouts, not refusals.
        var cut = now();
        await ha.Lab.LinkDownAsync("primary");
        var switchedCut = await ha.WaitForAnswerAsync(HaFiles.BackupIp, SwitchTimeout);
        await Task.Delay(6000, TestContext.Current.CancellationToken);
        var cutGap = Unavailability(load.Requests, cut, now());
        output.WriteLine($"{mode} link cut: DNS answered the backup {switchedCut - cut:0.00} s after the cut; clients unavailable {cutGap:0.00} s");

        // (c) restored.
        var restored = now();
        await ha.Lab.LinkUpAsync("primary");
        var failedBackCut = await ha.WaitForAnswerAsync(HaFiles.PrimaryIp, FailbackTimeout);
        await Task.Delay(5000, TestContext.Current.CancellationToken);
        output.WriteLine($"{mode} link restored: failback {failedBackCut - restored:0.00} s after; failures after failback: {Failures(load.Requests, failedBackCut, now())}");
        Assert.Equal(0, Failures(load.Requests, failedBackCut, now()));

        // (d) the primary's link flaps every 2 s for 30 s: one switch to the backup at most, never back while it flaps.
        var answers = new List<(double At, string Answer)>();
        using var stopWatching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!stopWatching.IsCancellationRequested)
            {
                answers.Add((now(), await ha.AnswerAsync()));
                await Task.Delay(250, CancellationToken.None);
            }
        }, TestContext.Current.CancellationToken);
        var flapStart = now();
        for (var i = 0; i < 8; i++)
        {
            await ha.Lab.LinkDownAsync("primary");
            await Task.Delay(2000, TestContext.Current.CancellationToken);
            await ha.Lab.LinkUpAsync("primary");
            await Task.Delay(2000, TestContext.Current.CancellationToken);
        }

        await stopWatching.CancelAsync();
        await watcher;
        var changes = answers.Where(a => a.Answer.Length > 0).Select(a => a.Answer).Aggregate((Count: 0, Last: HaFiles.PrimaryIp), (acc, answer) => answer == acc.Last ? acc : (acc.Count + 1, answer)).Count;
        var flapFailures = Failures(load.Requests, flapStart, now());
        output.WriteLine($"{mode} flapping 32 s: {changes} answer change(s) (a change back and forth is a flap); client failures while flapping: {flapFailures}");
        Assert.True(changes <= 1, $"the answer changed {changes} times while the primary flapped: {string.Join(", ", answers.Select(a => $"{a.At:0.0}:{a.Answer}"))}");

        var total = load.Requests.Count;
        output.WriteLine($"{mode}: {total} client requests in all, {load.Requests.Count(r => !r.Ok)} failed; failures: "
            + string.Join("; ", load.Requests.Where(r => !r.Ok).Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Start:0.0}s {r.Tool}"))));
    }

    /// <summary>Seconds from the fault until clients work again: to the first success after the last failure (0 when none failed).</summary>
    private static double Unavailability(IReadOnlyList<ClientRequest> requests, double fault, double end)
    {
        var window = requests.Where(r => r.Start >= fault - 0.5 && r.Start < end).ToList();
        var lastFailure = window.LastOrDefault(r => !r.Ok);
        if (lastFailure is null)
        {
            return 0;
        }

        var recovered = window.FirstOrDefault(r => r.Ok && r.Start >= lastFailure.End);
        return (recovered?.End ?? end) - fault;
    }

    private static int Failures(IReadOnlyList<ClientRequest> requests, double from, double to) =>
        requests.Count(r => !r.Ok && r.Start >= from && r.Start < to);

    private static async Task PushThroughDomainAsync(HaLab ha, string reference)
    {
        var f = ha.Files;
        var credentials = (await File.ReadAllTextAsync(Path.Combine(f.BackupData, "admin-credentials"))).Trim();
        var layout = Path.Combine(f.Package, "offline", "images");
        var push = await ha.Lab.RunAsync("client", Requires.Tool("skopeo", "skopeo"),
            ["copy", "--dest-creds", credentials, "--dest-cert-dir", f.CertDir, $"oci:{layout}:{f.Image}", $"docker://{HaFiles.Domain}/{reference}"], TimeSpan.FromMinutes(2));
        Assert.True(push.ExitCode == 0, $"push to the active node through the domain: {push}");
    }

    private static async Task AssertOnPrimaryAsync(HaLab ha, string reference)
    {
        var inspect = await ha.Lab.RunAsync("client", Requires.Tool("skopeo", "skopeo"),
            ["inspect", "--raw", "--cert-dir", ha.Files.CertDir, $"docker://{HaFiles.PrimaryIp}/{reference}"], TimeSpan.FromMinutes(1));
        Assert.True(inspect.ExitCode == 0, $"{reference}, pushed while the backup was active, is not on the primary after failback: {inspect}");
    }
}
