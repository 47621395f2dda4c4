using System.Globalization;
using Kindling.EndToEnd.Tests.Installer;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.HighAvailability;

/// <summary>
/// Issue 16's upgrade of both nodes with no failed request, in the seed's topology (network namespaces, root only):
/// <c>cluster-create -u tinder</c> on the backup, then on the primary, each draining its running node before the
/// restart, while curl, helm and skopeo (no fallback configuration) and ctr (the client-config hosts.toml) pull
/// through the domain; afterwards <c>kindling verify</c> finds both nodes serving the same content, the new release's
/// included. The sequence is docs/clients.md's.
/// </summary>
public class UpgradeUnderLoadTests
{
    [Fact]
    public async Task UpgradeTinder_BackupThenPrimary_UnderLoad_NoClientFails_VerifyPassesWithTheNewRelease()
    {
        Requires.Root("the hosts run in network namespaces; containerd runs as root");
        var output = TestContext.Current.TestOutputHelper!;
        var token = TestContext.Current.CancellationToken;
        // Failback 2 s after the upgraded primary is healthy again (Kindling's default hold-down is 10 s).
        await using var ha = await HaLab.CreateAsync(DnsMode.KindlingDns, holdDown: "2s");
        var f = ha.Files;
        var v2 = CopyDirectory(f.Package, Path.Combine(f.Root, "v2"));
        var (_, newReference, _, chart) = UpgradeTests.ExtendPackage(v2);
        foreach (var config in new[] { f.PrimaryConfig, f.BackupConfig })
        {
            File.WriteAllText(config, File.ReadAllText(config).Replace(f.Package, v2, StringComparison.Ordinal));
        }

        var (containerd, ctr) = await ZeroFailureTests.StartCtrAsync(ha);
        using (containerd)
        await using (ctr)
        await using (var others = new ClientLoad(ha.Lab, "client", ha.Clock, ha.Files))
        {
            await others.StartAsync();
            await Task.Delay(3000, token);

            // 1. The backup: -u tinder drains it (no client is sent there while the primary is up), upgrades, restarts.
            var backupStart = ha.Clock.Elapsed.TotalSeconds;
            var backup = await ha.InstallBackupAsync("-u", "tinder");
            var backupEnd = ha.Clock.Elapsed.TotalSeconds;
            Assert.True(backup.ExitCode == 0, "-u tinder on the backup: " + backup);
            await ha.WaitBothUpAsync(TimeSpan.FromSeconds(30));
            var backupUp = ha.Clock.Elapsed.TotalSeconds;
            // Parity: the restarted backup copies what it received from its own package back to the primary.
            await WaitForParityAsync(ha, TimeSpan.FromSeconds(30));
            var parity = ha.Clock.Elapsed.TotalSeconds;

            // 2. The primary: -u tinder drains it (healthz 503: the domain moves to the backup), upgrades, restarts
            //    undrained; the domain fails back after rise checks, the hold-down and the parity gate.
            var primaryStart = ha.Clock.Elapsed.TotalSeconds;
            var primary = ha.InstallPrimaryAsync("-u", "tinder");
            var movedAway = await ha.WaitForAnswerAsync(HaFiles.BackupIp, TimeSpan.FromSeconds(30));
            var upgraded = await primary;
            var primaryEnd = ha.Clock.Elapsed.TotalSeconds;
            Assert.True(upgraded.ExitCode == 0, "-u tinder on the primary: " + upgraded);
            var failedBack = await ha.WaitForAnswerAsync(HaFiles.PrimaryIp, TimeSpan.FromSeconds(60));
            await Task.Delay(3000, token);
            var end = ha.Clock.Elapsed.TotalSeconds;
            await ctr.DisposeAsync();
            await others.DisposeAsync();

            var verify = await ha.Lab.RunAsync("client", Repository.KindlingScript, ["verify", "--domain", HaFiles.Domain, "--dns", $"{HaFiles.DnsIp}:53",
                "--node", $"https://{HaFiles.PrimaryIp}", "--node", $"https://{HaFiles.BackupIp}", "--ca", f.Ca, "--image", newReference, "--chart", $"{chart}:9.9.9"], TimeSpan.FromMinutes(2));

            var drains = string.Join("; ", new[] { ("backup", Path.Combine(f.Logs, "backup-install.log")), ("primary", Path.Combine(f.Logs, "primary-install.log")) }
                .Select(l => l.Item1 + ": " + (File.ReadLines(l.Item2).LastOrDefault(x => x.Contains("drained", StringComparison.Ordinal)) ?? "no drain logged")));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"-u tinder on the backup: {backupEnd - backupStart:0.0} s, both up again {backupUp - backupEnd:0.0} s later, parity {parity - backupEnd:0.0} s after it ended; on the primary: {primaryEnd - primaryStart:0.0} s, the domain answered the backup {movedAway - primaryStart:0.0} s after it began and the primary again {failedBack - primaryEnd:0.0} s after it ended"));
            output.WriteLine(drains);
            output.WriteLine($"ctr (hosts.toml from client-config): {ZeroFailureTests.Summary(ctr.Pulls, backupStart, end)}");
            output.WriteLine($"curl/helm/skopeo without fallback config: {ZeroFailureTests.Summary(others.Requests, backupStart, end)}");
            foreach (var tool in new[] { "curl", "helm", "skopeo" })
            {
                output.WriteLine($"  {tool}: {ZeroFailureTests.Summary([.. others.Requests.Where(r => r.Tool == tool)], backupStart, end)}");
            }

            output.WriteLine(verify.StdOut);
            Assert.True(ctr.Pulls.Count(p => p.Start >= primaryStart) >= 3, $"too few pulls during the primary's upgrade to tell: {ctr.Pulls.Count}");
            Assert.All(ctr.Pulls, p => Assert.True(p.Ok, $"a failed ctr pull: {p}\n{containerd.Output}"));
            Assert.All(others.Requests, r => Assert.True(r.Ok, $"a failed request: {r}"));
            Assert.True(verify.ExitCode == 0, "kindling verify after both upgrades: " + verify);
            // The install log of each rerun: the backup imported the new tag; the primary already had it from the backup
            // (parity before its upgrade); each running node was drained before its restart.
            foreach (var (log, imported) in new[] { ("backup-install.log", "1 image(s) added"), ("primary-install.log", "0 image(s) added, 0 changed, 5 unchanged") })
            {
                var lines = File.ReadAllLines(Path.Combine(f.Logs, log));
                Assert.Contains(imported, lines.Last(l => l.Contains("images: ", StringComparison.Ordinal)), StringComparison.Ordinal);
                Assert.Contains(lines, l => l.Contains("node drained in", StringComparison.Ordinal));
            }
        }
    }

    /// <summary>Polls both nodes' content digest (the failover's parity gate reads the same) until they are equal.</summary>
    private static async Task WaitForParityAsync(HaLab ha, TimeSpan timeout)
    {
        var deadline = ha.Clock.Elapsed + timeout;
        var last = new string[2];
        while (ha.Clock.Elapsed < deadline)
        {
            for (var i = 0; i < 2; i++)
            {
                var address = i == 0 ? HaFiles.PrimaryIp : HaFiles.BackupIp;
                var digest = await ha.Lab.RunAsync("client", Requires.Tool("curl", "curl"), ["-sS", "-f", "--cacert", ha.Files.Ca, $"https://{address}/kindling/v1/content-digest"], TimeSpan.FromSeconds(10));
                last[i] = digest.ExitCode == 0 ? digest.StdOut.Trim() : "";
            }

            if (last[0].Length > 0 && last[0] == last[1])
            {
                return;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"no parity within {timeout}: primary '{last[0]}', backup '{last[1]}'");
    }

    private static string CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return to;
    }
}
