using System.Diagnostics;
using System.Globalization;
using Kindling.Installer.Pki;
using Kindling.Installer.Service;

namespace Kindling.Demo;

/// <summary>
/// The seed's scenario, start to end, with real kindling processes: a DNS server answering the domain, a primary
/// installed in domain-name mode, a backup activated in IP mode with the primary's CA, the seed's checks, a crash of
/// the primary, the switch, a push to the backup, the primary's return, the failback, and the pushed image on the
/// primary. Everything it starts is stopped at the end (also when cancelled), by PID.
/// </summary>
public sealed class DemoScenario(string executable, DemoFiles files, DemoTopology topology, Action<string> say, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private static readonly TimeSpan SwitchTimeout = TimeSpan.FromSeconds(30);
    private static readonly HttpClient StatusClient = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
    private static readonly TimeSpan FailbackTimeout = TimeSpan.FromSeconds(120);

    public async Task<DemoResult> RunAsync(CancellationToken cancellationToken)
    {
        var result = new DemoResult();
        using var children = new ChildProcesses(executable, files.Logs);
        var primary = new NodeServiceControl(files.PrimaryData, executable, ServiceMode.Supervised, _time);
        var backup = new NodeServiceControl(files.BackupData, executable, ServiceMode.Supervised, _time);
        try
        {
            await RunStepsAsync(children, primary, backup, result, cancellationToken);
        }
        finally
        {
            // Not the caller's token: cleanup runs after Ctrl-C too.
            await primary.StopAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
            await backup.StopAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        }

        return result;
    }

    private async Task RunStepsAsync(ChildProcesses children, NodeServiceControl primary, NodeServiceControl backup, DemoResult result, CancellationToken cancellationToken)
    {
        Step(1, "writing a sample offline package (images, charts, files, an OS ISO with a yum repository)");
        await Kindling(children, "package", ["package", "sample", "--out", files.Package], cancellationToken);
        files.Write();

        await StartDnsInstancesAsync(children, cancellationToken);
        await InstallPrimaryAsync(children, result, cancellationToken);
        await ActivateBackupAsync(children, result, cancellationToken);

        Step(5, "running the seed's checks against the domain and both nodes (kindling verify)");
        result.Outcomes.Add(await VerifyAsync(children, "verify-both", [topology.RegistryUrl(topology.Primary), topology.RegistryUrl(topology.Backup)], "both nodes serve the same content", cancellationToken));

        var several = topology.DnsInstances.Count > 1;
        if (several)
        {
            await KillOneInstanceStepAsync(children, result, cancellationToken);
        }

        var dns = new DnsWatch(topology.DnsEndpoint);
        await KillPrimaryAndWaitForSwitchAsync(children, primary, dns, result, several ? 7 : 6, cancellationToken);

        Step(several ? 8 : 7, "pushing an image to the backup while it is the active node");
        var pushed = await PushAsync(cancellationToken);
        Say($"pushed {pushed} to {topology.Backup}");

        await RestartPrimaryAndWaitForFailbackAsync(children, dns, result, pushed, several ? 9 : 8, cancellationToken);
    }

    /// <summary>Step 2: the primary's CA, then every DNS instance started and answering the domain.</summary>
    private async Task StartDnsInstancesAsync(ChildProcesses children, CancellationToken cancellationToken)
    {
        var instances = topology.DnsInstances;
        Step(2, instances.Count == 1
            ? $"creating the installation's CA on the primary, then starting the dnsServer on {topology.DnsEndpoint}"
            : $"creating the installation's CA on the primary, then starting {instances.Count} DNS instances ({string.Join(", ", instances)}; {topology.Dns} holds the zone, the others are its secondaries, all check the nodes together)");
        await Kindling(children, "primary-cert", ["cert", "issue", "-c", files.PrimaryConfig, "--data", files.PrimaryData, "-t", topology.Primary.ToString()], cancellationToken);
        for (var i = 0; i < instances.Count; i++)
        {
            List<string> serve = ["dns", "serve", "--named-conf", files.NamedConfOf(i), "--failover", files.FailoverFile, "--http", $"{instances[i]}:{topology.StatusPort}"];
            if (instances.Count > 1)
            {
                serve.AddRange(["--failover-state", files.FailoverStateOf(i)]);
            }

            children.Start(DnsLog(i), serve);
        }

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < instances.Count; i++)
        {
            if (await new DnsWatch(topology.DnsEndpointOf(instances[i])).WaitForAsync(topology.Primary, watch, TimeSpan.FromSeconds(30), cancellationToken) is null)
            {
                throw new DemoException($"the DNS server {instances[i]} did not answer {DemoTopology.Domain} within 30 s; see {children.LogPath(DnsLog(i))}");
            }
        }

        Say($"{DemoTopology.Domain} → {topology.Primary} (the zone file's answer; the primary is not installed yet)");
    }

    /// <summary>Step 3: cluster-create of the primary in domain-name mode.</summary>
    private async Task InstallPrimaryAsync(ChildProcesses children, DemoResult result, CancellationToken cancellationToken)
    {
        Step(3, $"installing the primary on {topology.Primary}: cluster-create in domain-name mode (bootstrapNode {DemoTopology.Domain})");
        await Kindling(children, "primary-install", ["cluster-create", "-c", files.PrimaryConfig, "-t", topology.Primary.ToString(), "--data", files.PrimaryData,
            "--dns", topology.DnsEndpoint.ToString(), "--hosts-file", Path.Combine(files.PrimaryData, "hosts"), "-l", Path.Combine(files.Logs, "primary-install.log"), "-q"], cancellationToken);
        result.Outcomes.Add(new("primary installed (steps 1-5)", true, $"registry, charts and files served at {topology.Primary}"));
    }

    /// <summary>Step 4: the backup activated with the primary's CA and credentials, then both nodes seen up by the DNS checks.</summary>
    private async Task ActivateBackupAsync(ChildProcesses children, DemoResult result, CancellationToken cancellationToken)
    {
        Step(4, $"activating the backup on {topology.Backup}: the primary's CA and admin credentials copied over, cluster-create -j 1,2,3,4,5 in IP mode, following the primary");
        await Kindling(children, "ca-export", ["ca", "export", "--data", files.PrimaryData, "--with-key", "--out", files.CarriedCa], cancellationToken);
        File.Copy(Path.Combine(files.PrimaryData, "admin-credentials"), files.CarriedCredentials, overwrite: true);
        await Kindling(children, "backup-install", ["cluster-create", "-c", files.BackupConfig, "-j", "1,2,3,4,5", "--ca-from", files.CarriedCa, "--data", files.BackupData,
            "--replicate-from", topology.RegistryUrl(topology.Primary), "--replicate-credentials", files.CarriedCredentials, "--replicate-interval", "2s",
            "-l", Path.Combine(files.Logs, "backup-install.log"), "-q"], cancellationToken);
        result.Outcomes.Add(new("backup activated with the primary's CA", true, "both certificates chain to one root; the backup follows the primary every 2 s"));

        Say($"waiting until the DNS server's health checks see both nodes up ({topology.StatusUrl})");
        if (!await BothUpAsync(TimeSpan.FromSeconds(60), cancellationToken))
        {
            throw new DemoException($"the DNS server's checks did not see both nodes up within 60 s; see {topology.StatusUrl} and {children.LogPath("dns")}");
        }
    }

    /// <summary>Step 6 with several DNS instances: one secondary killed while a client keeps resolving.</summary>
    private async Task KillOneInstanceStepAsync(ChildProcesses children, DemoResult result, CancellationToken cancellationToken)
    {
        var instances = topology.DnsInstances;
        Step(6, $"killing DNS instance {instances[1]} (kill -9) while a client resolves through all {instances.Count} (resolv.conf: timeout:1 attempts:2 rotate)");
        result.InstanceKill = await KillOneInstanceAsync(children, cancellationToken);
        var (lookups, failed) = result.InstanceKill.Value;
        Say($"{failed} of {lookups} lookups failed while {instances[1]} was killed");
        result.Outcomes.Add(new($"one DNS instance killed: no client failure", failed == 0 && lookups > 0, $"{failed} of {lookups} lookups failed while {instances[1]} was killed"));
    }

    /// <summary>The primary crashed; the answer must switch to the backup on every live DNS instance, and verify pass through the domain.</summary>
    private async Task KillPrimaryAndWaitForSwitchAsync(ChildProcesses children, NodeServiceControl primary, DnsWatch dns, DemoResult result, int step, CancellationToken cancellationToken)
    {
        var instances = topology.DnsInstances;
        Step(step, "killing the primary (kill -9 of its node service) and asking the DNS what www is, every 25 ms");
        var killedAt = _time.GetUtcNow(); // compared with the node's activeSince (its wall clock)
        var killed = primary.Crash();
        var sinceKill = Stopwatch.StartNew();
        Say($"killed pids {string.Join(", ", killed)}");
        result.Switch = await dns.WaitForAsync(topology.Backup, sinceKill, SwitchTimeout, cancellationToken);
        result.Outcomes.Add(result.Switch is { } s
            ? new("failover: www → backup", true, $"{Seconds(s)} after the kill")
            : new("failover: www → backup", false, $"no switch within {SwitchTimeout.TotalSeconds:0} s; see {children.LogPath("dns")}"));
        for (var i = 2; i < instances.Count; i++)
        {
            var other = instances[i];
            // The instance killed above stays dead: the two live ones still decide (a strict majority of the fresh views).
            var switched = await new DnsWatch(topology.DnsEndpointOf(other)).WaitForAsync(topology.Backup, sinceKill, SwitchTimeout, cancellationToken);
            Say(switched is { } at ? $"DNS instance {other}: {DemoTopology.Domain} → {topology.Backup} after {Seconds(at)}" : $"DNS instance {other} did not switch");
            result.Outcomes.Add(new($"failover with one DNS instance dead: {other} → backup", switched is not null,
                switched is { } t ? $"{Seconds(t)} after the kill" : $"no switch within {SwitchTimeout.TotalSeconds:0} s; see {children.LogPath(DnsLog(i))}"));
        }

        Say(result.Switch is null ? "the answer did not switch" : $"{DemoTopology.Domain} → {topology.Backup} after {Seconds(result.Switch.Value)}");
        result.Detection = await ReadStatusAsync<DateTimeOffset?>(r => r.GetProperty("active").GetString() == "backup" ? r.GetProperty("activeSince").GetDateTimeOffset() : null, cancellationToken) - killedAt;
        result.Outcomes.Add(await VerifyAsync(children, "verify-failover", [topology.RegistryUrl(topology.Backup)], "verify passes through the domain (served by the backup)", cancellationToken));
    }

    /// <summary>The primary restarted; the answer must fail back to it, and the image pushed to the backup be on it.</summary>
    private async Task RestartPrimaryAndWaitForFailbackAsync(ChildProcesses children, DnsWatch dns, DemoResult result, string pushed, int step, CancellationToken cancellationToken)
    {
        Step(step, "restarting the primary; failback waits for 5 good checks and a 10 s hold-down, and for the primary to hold what the backup received");
        var restartedAt = _time.GetUtcNow();
        await Kindling(children, "primary-restart", ["node", "start", "--data", files.PrimaryData], cancellationToken);
        var sinceRestart = Stopwatch.StartNew();
        result.Failback = await dns.WaitForAsync(topology.Primary, sinceRestart, FailbackTimeout, cancellationToken);
        result.Outcomes.Add(result.Failback is { } f
            ? new("failback: www → primary", true, $"{Seconds(f)} after the restart")
            : new("failback: www → primary", false, $"no failback within {FailbackTimeout.TotalSeconds:0} s; see {children.LogPath("dns")}"));
        result.PrimaryUp = await ReadStatusAsync<DateTimeOffset?>(r => r.GetProperty("primary") is var p && p.GetProperty("state").GetString() == "up" ? p.GetProperty("since").GetDateTimeOffset() : null, cancellationToken) - restartedAt;
        var onPrimary = await HasManifestAsync(topology.Primary, pushed, cancellationToken);
        result.Outcomes.Add(new("image pushed during the failover is on the primary", onPrimary, onPrimary ? pushed : $"{pushed} missing on {topology.Primary}"));
        result.Outcomes.Add(await VerifyAsync(children, "verify-after", [topology.RegistryUrl(topology.Primary), topology.RegistryUrl(topology.Backup)], "both nodes identical again", cancellationToken));
    }

    private static string DnsLog(int instance) => instance == 0 ? "dns" : $"dns-{instance + 1}";

    /// <summary>
    /// Kills one secondary DNS instance while a client resolves the domain over and over as glibc would with the
    /// resolv.conf of <c>kindling client-config --format resolv</c>: the instances in turn (rotate), 1 s per try, 2
    /// rounds. Returns the lookups made and those that got no answer.
    /// </summary>
    private async Task<(int Lookups, int Failed)> KillOneInstanceAsync(ChildProcesses children, CancellationToken cancellationToken)
    {
        var instances = topology.DnsInstances;
        var clients = instances.Select(a => new global::Kindling.Dns.Client.DnsClient(topology.DnsEndpointOf(a), TimeSpan.FromSeconds(1), attempts: 1)).ToList();
        int lookups = 0, failed = 0;
        var killedAt = TimeSpan.FromSeconds(2);
        var total = Stopwatch.StartNew();
        var killed = false;
        while (total.Elapsed < TimeSpan.FromSeconds(8))
        {
            if (!killed && total.Elapsed >= killedAt)
            {
                children.Kill(DnsLog(1));
                killed = true;
                Say($"killed DNS instance {instances[1]}");
            }

            var answered = false;
            for (var round = 0; round < 2 && !answered; round++)
            {
                for (var k = 0; k < clients.Count && !answered; k++)
                {
                    var client = clients[(lookups + k) % clients.Count];
                    try
                    {
                        var answer = await client.QueryAsync(global::Kindling.Dns.DomainName.Parse(DemoTopology.Domain), global::Kindling.Dns.RecordType.A, cancellationToken);
                        answered = answer.ResponseCode == global::Kindling.Dns.ResponseCode.NoError && answer.AnswerAddresses().Count > 0;
                    }
                    catch (Exception e) when (e is TimeoutException or IOException or System.Net.Sockets.SocketException)
                    {
                    }
                }
            }

            lookups++;
            failed += answered ? 0 : 1;
            await Task.Delay(50, cancellationToken);
        }

        return (lookups, failed);
    }

    /// <summary>Polls the failover status until the primary and the backup are both up.</summary>
    private async Task<bool> BothUpAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        static bool Up(System.Text.Json.JsonElement side) => side.GetProperty("state").GetString() == "up";
        var started = _time.GetTimestamp();
        while (_time.GetElapsedTime(started) < timeout)
        {
            if (await ReadStatusAsync(r => Up(r.GetProperty("primary")) && Up(r.GetProperty("backup")), cancellationToken))
            {
                return true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), _time, cancellationToken);
        }

        return false;
    }

    /// <summary>What <paramref name="pick"/> reads from the failover status of the record (default when the status cannot be read yet).</summary>
    private async Task<T?> ReadStatusAsync<T>(Func<System.Text.Json.JsonElement, T> pick, CancellationToken cancellationToken)
    {
        try
        {
            using var status = System.Text.Json.JsonDocument.Parse(await StatusClient.GetStringAsync(topology.StatusUrl, cancellationToken));
            return pick(status.RootElement.GetProperty("records")[0]);
        }
        catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or FormatException
            || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return default;
        }
    }

    private async Task<string> PushAsync(CancellationToken cancellationToken)
    {
        var credentials = (await File.ReadAllTextAsync(Path.Combine(files.BackupData, "admin-credentials"), cancellationToken)).Trim();
        var colon = credentials.IndexOf(':', StringComparison.Ordinal);
        using var root = NodeCertificateFiles.For(files.PrimaryData).LoadCaCertificate();
        using var client = NodeHealthCheck.CreateClient(root, TimeSpan.FromSeconds(30));
        var now = _time.GetUtcNow().UtcDateTime;
        var tag = "hotfix-" + now.ToString("HHmmss", CultureInfo.InvariantCulture);
        await ImagePush.PushAsync(client, topology.RegistryUrl(topology.Backup), "release.daocloud.io/kindling/hotfix", tag,
            credentials[..colon], credentials[(colon + 1)..], $"pushed to the backup during the failover at {now:O}", cancellationToken);
        return $"release.daocloud.io/kindling/hotfix:{tag}";
    }

    private async Task<bool> HasManifestAsync(System.Net.IPAddress node, string reference, CancellationToken cancellationToken)
    {
        using var root = NodeCertificateFiles.For(files.PrimaryData).LoadCaCertificate();
        using var client = NodeHealthCheck.CreateClient(root, TimeSpan.FromSeconds(10));
        var colon = reference.LastIndexOf(':');
        using var request = new HttpRequestMessage(HttpMethod.Head, $"{topology.RegistryUrl(node)}/v2/{reference[..colon]}/manifests/{reference[(colon + 1)..]}");
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        using var response = await client.SendAsync(request, cancellationToken);
        return response.IsSuccessStatusCode;
    }

    private async Task<DemoOutcome> VerifyAsync(ChildProcesses children, string name, IReadOnlyList<string> nodes, string what, CancellationToken cancellationToken)
    {
        var arguments = new List<string>
        {
            "verify", "--domain", DemoTopology.Domain, "--port", topology.RegistryPort.ToString(CultureInfo.InvariantCulture),
            "--dns", topology.DnsEndpoint.ToString(), "--ca", files.CaCertificate,
        };
        foreach (var node in nodes)
        {
            arguments.Add("--node");
            arguments.Add(node);
        }

        var (exit, output) = await children.RunAsync(name, arguments, cancellationToken);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Say(line);
        }

        return new DemoOutcome(what, exit == 0, exit == 0 ? "kindling verify: every check passed" : $"kindling verify exited {exit}; see {children.LogPath(name)}");
    }

    private static async Task<string> Kindling(ChildProcesses children, string name, string[] arguments, CancellationToken cancellationToken)
    {
        var (exit, output) = await children.RunAsync(name, arguments, cancellationToken);
        if (exit != 0)
        {
            throw new DemoException($"kindling {string.Join(' ', arguments)} failed (exit {exit}):\n{output.Trim()}");
        }

        return output;
    }

    private void Step(int number, string what) => say($"\n[{number}/{(topology.DnsInstances.Count > 1 ? 9 : 8)}] {what}");

    private void Say(string line) => say("      " + line);

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds:0.00} s";
}
