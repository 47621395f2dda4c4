using System.Diagnostics;
using System.Globalization;
using Kindling.EndToEnd.Tests.Installer;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.HighAvailability;

/// <summary>
/// Zero failed requests through a crash and through planned maintenance, in the seed's topology (network
/// namespaces, root only): a real containerd configured only by <c>kindling client-config --format containerd</c>
/// pulls through the domain in a loop while the primary is killed with -9; and while the primary is drained with
/// <c>kindling node drain</c>, clients without any fallback configuration (curl, helm, skopeo) fail nothing either.
/// </summary>
public class ZeroFailureTests
{
    private static readonly TimeSpan SwitchTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for enough pulls after a fault to tell (a functional limit; they take seconds).</summary>
    internal static readonly TimeSpan EnoughRequestsTimeout = TimeSpan.FromSeconds(100);

    /// <summary>The seed's topology in network namespaces (root only), with <c>kindling dns serve</c> as its DNS.</summary>
    private static Task<HaLab> CreateLabAsync()
    {
        Requires.Root("the hosts run in network namespaces; containerd runs as root");
        return HaLab.CreateAsync(DnsMode.KindlingDns);
    }

    /// <summary>Runs <c>kindling client-config --format <paramref name="format"/></c> on the client for both nodes.</summary>
    private static async Task ClientConfigAsync(HaLab ha, string format, string outDir)
    {
        var config = await ha.Lab.RunAsync("client", Repository.KindlingScript, ["client-config", "--domain", HaFiles.Domain,
            "--node", $"https://{HaFiles.PrimaryIp}", "--node", $"https://{HaFiles.BackupIp}", "--ca", ha.Files.Ca, "--format", format, "--out", outDir], TimeSpan.FromMinutes(2));
        Assert.True(config.ExitCode == 0, $"client-config --format {format}: " + config);
    }

    internal static async Task<CtrClient> StartCtrAsync(HaLab ha)
    {
        var f = ha.Files;
        var hostsDir = Path.Combine(f.Root, "certs.d");
        await ClientConfigAsync(ha, "containerd", hostsDir);
        var containerd = await ContainerdDaemon.StartAsync();
        var digest = InstalledNode.PackageImages(f.Package)[0].Digest;
        var load = new CtrLoad(ha.Lab, "client", ha.Clock, containerd, hostsDir, $"{HaFiles.Domain}/{f.Image}", digest);
        load.Start();
        return new CtrClient(containerd, load);
    }

    internal static string Summary(IReadOnlyList<ClientRequest> requests, double from, double to)
    {
        var window = requests.Where(r => r.Start >= from && r.Start < to).ToList();
        var slow = window.Where(r => r.End - r.Start > 2).ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"{window.Count} requests, {window.Count(r => !r.Ok)} failed, {slow.Count} slower than 2 s (slowest {(window.Count == 0 ? 0 : window.Max(r => r.End - r.Start)):0.00} s)");
    }

    [Fact]
    public async Task KillDashNine_CtrWithGeneratedHostsToml_ZeroFailedPulls_EveryDigestChecked()
    {
        var output = TestContext.Current.TestOutputHelper!;
        await using var ha = await CreateLabAsync();
        await using var client = await StartCtrAsync(ha);
        var (containerd, ctr) = client;
        await using (var others = new ClientLoad(ha.Lab, "client", ha.Clock, ha.Files))
        await using (var dnf = await StartDnfAsync(ha))
        {
            await others.StartAsync();
            await Task.Delay(4000, TestContext.Current.CancellationToken);
            var killed = ha.Clock.Elapsed.TotalSeconds;
            await ha.CrashPrimaryAsync();
            var switched = await ha.WaitForAnswerAsync(HaFiles.BackupIp, SwitchTimeout);
            await Task.Delay(8000, TestContext.Current.CancellationToken); // past the TTL: resolvers hold the new answer
            await ctr.WaitForRequestsAsync(killed, 5, EnoughRequestsTimeout);
            await dnf.WaitForRequestsAsync(killed, 2, EnoughRequestsTimeout);
            var end = ha.Clock.Elapsed.TotalSeconds;
            await ctr.DisposeAsync();
            await others.DisposeAsync();
            await dnf.DisposeAsync();

            output.WriteLine($"kill -9 of the primary at {killed:0.0} s; DNS answered the backup {switched - killed:0.00} s later");
            output.WriteLine($"dnf (.repo from client-config, makecache + download per round): before the kill {Summary(dnf.Rounds, 0, killed)}; from the kill {Summary(dnf.Rounds, killed, end)}");
            output.WriteLine($"ctr (hosts.toml from client-config): before the kill {Summary(ctr.Pulls, 0, killed)}; from the kill {Summary(ctr.Pulls, killed, end)}");
            output.WriteLine($"curl/helm/skopeo without fallback config, from the kill: {Summary(others.Requests, killed, end)}");
            Assert.True(ctr.Pulls.Count(p => p.Start >= killed) >= 5, $"too few pulls after the kill to tell: {ctr.Pulls.Count}");
            Assert.All(ctr.Pulls, p => Assert.True(p.Ok, $"a failed ctr pull: {p}\n{containerd.Output}"));
            Assert.True(dnf.Rounds.Count(r => r.Start >= killed) >= 2, $"too few dnf rounds after the kill to tell: {dnf.Rounds.Count}");
            Assert.All(dnf.Rounds, r => Assert.True(r.Ok, $"a failed dnf round: {r}"));
        }
    }

    [Fact]
    public async Task LinkCut_Primary_CtrWithGeneratedHostsToml_ZeroFailedPulls_SlowPullsCountedAndTimed()
    {
        var output = TestContext.Current.TestOutputHelper!;
        await using var ha = await CreateLabAsync();
        await using var client = await StartCtrAsync(ha);
        var (containerd, ctr) = client;
        await Task.Delay(4000, TestContext.Current.CancellationToken);
        var cut = ha.Clock.Elapsed.TotalSeconds;
        await ha.Lab.LinkDownAsync("primary");
        var switched = await ha.WaitForAnswerAsync(HaFiles.BackupIp, SwitchTimeout);
        // A pull that began before the switch waits out containerd 1.6's 30 s connect timeout per silent host; wait
        // for it, and for 5 pulls begun past the TTL (resolvers hold the new answer).
        var settled = switched + 5;
        var deadline = ha.Clock.Elapsed.TotalSeconds + 100;
        while (ctr.Pulls.Count(p => p.Start >= settled) < 5 && ha.Clock.Elapsed.TotalSeconds < deadline)
        {
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        var stopAsked = ha.Clock.Elapsed.TotalSeconds;
        await ctr.DisposeAsync();
        var end = ha.Clock.Elapsed.TotalSeconds;

        var slow = ctr.Pulls.Where(p => p.End - p.Start > 2).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Start - cut:0.0}+{p.End - p.Start:0.0} s"));
        output.WriteLine($"link cut of the primary at {cut:0.0} s; DNS answered the backup {switched - cut:0.00} s later; {ctr.Pulls.Count(p => p.Start >= settled)} pulls begun past the TTL by {stopAsked - cut:0.0} s after the cut");
        output.WriteLine($"ctr (hosts.toml from client-config): before the cut {Summary(ctr.Pulls, 0, cut)}; from the cut {Summary(ctr.Pulls, cut, end)}; slow pulls (start after the cut + duration): {string.Join(", ", slow)}");
        Assert.True(ctr.Pulls.Count(p => p.Start >= settled) >= 5, $"too few pulls after the switch to tell: {ctr.Pulls.Count}");
        // The one physical limit: a pull whose connection to the primary was already open when its link died waits on
        // that silent connection (containerd 1.6 has no read timeout; only TCP's ~15 min retransmission limit ends it),
        // which nothing on the server side can shorten. CI met it once (start -0.1 s, manifest fetched, blobs stalled).
        // Only the pull in flight at the cut may end that way, and only by the loop's stall limit; every other pull,
        // and every pull begun after the cut, must succeed.
        var stalledAtCut = ctr.Pulls.Where(p => !p.Ok && p.Start < cut && p.End > cut && p.Detail.Contains("did not finish within", StringComparison.Ordinal)).ToList();
        foreach (var p in stalledAtCut)
        {
            output.WriteLine($"STALLED AT THE CUT (a connection open before the cut, no client read timeout): {p.Detail.Split('\n')[0]}");
        }

        Assert.True(stalledAtCut.Count <= 1, $"more than one pull stalled at the cut: {stalledAtCut.Count}");
        Assert.All(ctr.Pulls.Except(stalledAtCut), p => Assert.True(p.Ok, $"a failed ctr pull: {p}\n{containerd.Output}"));
    }

    private static async Task<DnfLoad> StartDnfAsync(HaLab ha)
    {
        var f = ha.Files;
        var reposDir = Path.Combine(f.Root, "yum.repos.d");
        await ClientConfigAsync(ha, "dnf", reposDir);
        var load = new DnfLoad(ha.Lab, "client", ha.Clock, reposDir, Path.Combine(f.Root, "dnf"), "kindling-sample-hello");
        load.Start();
        return load;
    }

    [Fact]
    public async Task NodeDrain_Primary_NoClientFails_EvenWithoutFallbackConfig_DrainEndsWithinTtlSwitchAndQuiet()
    {
        var output = TestContext.Current.TestOutputHelper!;
        await using var ha = await CreateLabAsync();
        await using var client = await StartCtrAsync(ha);
        var ctr = client.Load;
        await using (var others = new ClientLoad(ha.Lab, "client", ha.Clock, ha.Files))
        {
            await others.StartAsync();
            await Task.Delay(3000, TestContext.Current.CancellationToken);
            var start = ha.Clock.Elapsed.TotalSeconds;
            var drainClock = Stopwatch.StartNew();
            var drain = ha.Lab.RunAsync("primary", Repository.KindlingScript, ["node", "drain", "--data", ha.Files.PrimaryData, "--timeout", "90s"], TimeSpan.FromMinutes(2));
            var switched = await ha.WaitForAnswerAsync(HaFiles.BackupIp, SwitchTimeout);
            var status = await ha.Lab.RunAsync("client", Requires.Tool("curl", "curl"), ["-s", $"http://{HaFiles.DnsIp}:8053/status"], TimeSpan.FromSeconds(10));
            var drained = await drain;
            var drainSeconds = drainClock.Elapsed.TotalSeconds;
            Assert.True(drained.ExitCode == 0, "node drain: " + drained);

            // The planned work: the drained primary stops; clients keep working on the backup.
            var stopped = await ha.Lab.RunAsync("primary", Repository.KindlingScript, ["node", "stop", "--data", ha.Files.PrimaryData], TimeSpan.FromMinutes(2));
            Assert.True(stopped.ExitCode == 0, "node stop: " + stopped);
            await Task.Delay(4000, TestContext.Current.CancellationToken);
            var end = ha.Clock.Elapsed.TotalSeconds;
            await ctr.DisposeAsync();
            await others.DisposeAsync();

            output.WriteLine($"node drain of the primary: DNS answered the backup {switched - start:0.00} s after it began; drain returned after {drainSeconds:0.00} s: {drained.StdOut.Trim()}");
            output.WriteLine($"ctr: {Summary(ctr.Pulls, start, end)}; curl/helm/skopeo without fallback config: {Summary(others.Requests, start, end)}");
            Assert.Contains("\"draining\"", status.StdOut, StringComparison.Ordinal);
            Assert.All(ctr.Pulls, p => Assert.True(p.Ok, $"a failed ctr pull: {p}"));
            Assert.All(others.Requests, r => Assert.True(r.Ok, $"a failed request: {r}"));
            // TTL 5 s + detection (fall 3 at 1 s) + the node's 10 s quiet period, with margin for the shared machine.
            Assert.True(drainSeconds < 5 + 5 + 10 + 10, $"the drain took {drainSeconds:0.0} s");
        }
    }
}
