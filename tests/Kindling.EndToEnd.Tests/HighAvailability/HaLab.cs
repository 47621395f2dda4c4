using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.HighAvailability;

/// <summary>Which DNS answers the domain: Kindling's own server, or a real BIND switched by <c>kindling failover</c>.</summary>
public enum DnsMode
{
    KindlingDns,
    ExternalBind,
}

/// <summary>
/// The seed's topology in network namespaces: dns (.192), primary (.193), backup (.194) and a client (.200) on one
/// bridge, each running its real kindling process; the client resolves through the dns host only.
/// </summary>
internal sealed class HaLab : IAsyncDisposable
{
    private readonly string _kindling = Repository.KindlingScript;

    private HaLab(NetworkLab lab, HaFiles files)
    {
        Lab = lab;
        Files = files;
    }

    public NetworkLab Lab { get; }
    public HaFiles Files { get; }
    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    private readonly Dictionary<int, System.Diagnostics.Process> _dns = [];

    /// <summary>The lab host of DNS instance <paramref name="instance"/> (0-based): dns, dns2, dns3.</summary>
    public static string DnsHost(int instance) => instance == 0 ? "dns" : $"dns{instance + 1}";

    /// <param name="holdDown">The failover record's failback hold-down (Kindling's default, 10 s, when null).</param>
    /// <param name="dnsInstances">3: three Kindling DNS instances (.192, .195, .196) with <c>peers:</c>; the client's resolv.conf lists all three.</param>
    public static async Task<HaLab> CreateAsync(DnsMode mode, string? holdDown = null, int dnsInstances = 1)
    {
        var hosts = new Dictionary<string, string>
        {
            ["dns"] = HaFiles.DnsIp + "/24",
            ["primary"] = HaFiles.PrimaryIp + "/24",
            ["backup"] = HaFiles.BackupIp + "/24",
            ["client"] = HaFiles.ClientIp + "/24",
        };
        for (var i = 1; i < dnsInstances; i++)
        {
            hosts[DnsHost(i)] = HaFiles.DnsIps[i] + "/24";
        }

        var lab = await NetworkLab.CreateAsync(hosts);
        var ha = new HaLab(lab, new HaFiles { HoldDown = holdDown, DnsInstances = dnsInstances });
        try
        {
            await ha.SetUpAsync(mode);
        }
        catch
        {
            await ha.DisposeAsync();
            throw;
        }

        return ha;
    }

    private async Task SetUpAsync(DnsMode mode)
    {
        var f = Files;
        Directory.CreateDirectory(f.Logs);
        await Check(ProcessRunner.KindlingAsync("package", "sample", "--out", f.Package), "package sample");
        f.ReadPackage();
        f.WriteConfigs();
        await Check(Lab.RunAsync("primary", _kindling, ["cert", "issue", "-c", f.PrimaryConfig, "--data", f.PrimaryData, "-t", HaFiles.PrimaryIp]), "cert issue");
        f.WriteFailover();
        if (f.DnsInstances > 1)
        {
            f.WriteMeshDns();
        }
        else
        {
            f.WriteDns(dynamic: mode == DnsMode.ExternalBind, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        }

        Directory.CreateDirectory(f.CertDir);
        File.Copy(f.Ca, Path.Combine(f.CertDir, "ca.crt"));
        if (f.DnsInstances > 1)
        {
            Lab.UseNameservers("client", HaFiles.DnsIps.Take(f.DnsInstances));
        }
        else
        {
            Lab.UseNameserver("client", HaFiles.DnsIp);
        }

        var status = $"{HaFiles.DnsIp}:8053";
        if (f.DnsInstances > 1)
        {
            for (var i = 0; i < f.DnsInstances; i++)
            {
                StartDns(i);
            }

            for (var i = 1; i < f.DnsInstances; i++)
            {
                await WaitForAnswerAsync(i, HaFiles.PrimaryIp, TimeSpan.FromSeconds(30));
            }
        }
        else if (mode == DnsMode.KindlingDns)
        {
            Lab.Start("dns", _kindling, ["dns", "serve", "--named-conf", f.NamedConf, "--failover", f.FailoverFile, "--http", status], Path.Combine(f.Logs, "dns.log"));
        }
        else
        {
            Lab.Start("dns", Requires.Tool("named", "bind9"), ["-g", "-c", f.NamedConf, "-n", "1"], Path.Combine(f.Logs, "named.log"));
            await WaitForAnswerAsync(HaFiles.PrimaryIp, TimeSpan.FromSeconds(30));
            Lab.Start("dns", _kindling, ["failover", "--config", f.FailoverFile, "--server", $"{HaFiles.DnsIp}:53", "--key", f.KeyFile, "--http", status], Path.Combine(f.Logs, "failover.log"));
        }

        await WaitForAnswerAsync(HaFiles.PrimaryIp, TimeSpan.FromSeconds(30));
        await Check(InstallPrimaryAsync(), "install the primary");
        await Check(ProcessRunner.KindlingAsync("ca", "export", "--data", f.PrimaryData, "--with-key", "--out", f.CarriedCa), "ca export");
        File.Copy(Path.Combine(f.PrimaryData, "admin-credentials"), f.CarriedCredentials);
        await Check(InstallBackupAsync(), "activate the backup");
        await WaitBothUpAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary><c>cluster-create</c> on the primary, as the seed installs it; <paramref name="extra"/> e.g. <c>-u tinder</c> to upgrade it.</summary>
    public Task<ProcessResult> InstallPrimaryAsync(params string[] extra)
    {
        var f = Files;
        return Lab.RunAsync("primary", _kindling, ["cluster-create", "-c", f.PrimaryConfig, "-t", HaFiles.PrimaryIp, "--data", f.PrimaryData,
            "--dns", $"{HaFiles.DnsIp}:53", "--hosts-file", Path.Combine(f.PrimaryData, "hosts"), "-l", Path.Combine(f.Logs, "primary-install.log"), "-q", .. extra], TimeSpan.FromMinutes(5));
    }

    /// <summary><c>cluster-create</c> activating the backup (the primary's CA, replicating from it); <paramref name="extra"/> e.g. <c>-u tinder</c>.</summary>
    public Task<ProcessResult> InstallBackupAsync(params string[] extra)
    {
        var f = Files;
        return Lab.RunAsync("backup", _kindling, ["cluster-create", "-c", f.BackupConfig, "-j", "1,2,3,4,5", "--ca-from", f.CarriedCa, "--data", f.BackupData,
            "--replicate-from", $"https://{HaFiles.PrimaryIp}:443", "--replicate-credentials", f.CarriedCredentials, "--replicate-interval", "2s",
            "-l", Path.Combine(f.Logs, "backup-install.log"), "-q", .. extra], TimeSpan.FromMinutes(5));
    }

    /// <summary>Starts (or restarts) DNS instance <paramref name="instance"/> of the mesh in its own namespace.</summary>
    public void StartDns(int instance)
    {
        var f = Files;
        var ip = HaFiles.DnsIps[instance];
        _dns[instance] = Lab.Start(DnsHost(instance), _kindling, ["dns", "serve", "--named-conf", f.NamedConfOf(instance), "--failover", f.FailoverFile,
            "--failover-state", f.FailoverStateOf(instance), "--http", $"{ip}:8053"], Path.Combine(f.Logs, $"{DnsHost(instance)}.log"));
    }

    /// <summary>kill -9 of DNS instance <paramref name="instance"/>, by the PID this lab started.</summary>
    public void KillDns(int instance)
    {
        var process = _dns[instance];
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit(5000);
        }
    }

    /// <summary>What the dns host answers for the domain now (dig from the client's namespace).</summary>
    public Task<string> AnswerAsync() => AnswerAsync(0);

    /// <summary>What DNS instance <paramref name="instance"/> answers for the domain now ("" when it does not answer).</summary>
    public async Task<string> AnswerAsync(int instance)
    {
        var dig = await Lab.RunAsync("client", Requires.Tool("dig", "bind9-dnsutils"), [$"@{HaFiles.DnsIps[instance]}", HaFiles.Domain, "A", "+short", "+time=1", "+tries=1"], TimeSpan.FromSeconds(10));
        return dig.ExitCode == 0 ? dig.StdOut.Trim() : "";
    }

    /// <summary>Polls every 100 ms until the answer is <paramref name="address"/>; returns the clock's seconds then.</summary>
    public Task<double> WaitForAnswerAsync(string address, TimeSpan timeout) => WaitForAnswerAsync(0, address, timeout);

    public async Task<double> WaitForAnswerAsync(int instance, string address, TimeSpan timeout)
    {
        var deadline = Clock.Elapsed + timeout;
        while (Clock.Elapsed < deadline)
        {
            if (await AnswerAsync(instance) == address)
            {
                return Clock.Elapsed.TotalSeconds;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{HaFiles.Domain} at {HaFiles.DnsIps[instance]} did not answer {address} within {timeout}; last answer '{await AnswerAsync(instance)}'; logs in {Files.Logs}");
    }

    public async Task WaitBothUpAsync(TimeSpan timeout)
    {
        var deadline = Clock.Elapsed + timeout;
        string last = "";
        while (Clock.Elapsed < deadline)
        {
            var status = await Lab.RunAsync("client", Requires.Tool("curl", "curl"), ["-s", $"http://{HaFiles.DnsIp}:8053/status"], TimeSpan.FromSeconds(10));
            last = status.StdOut;
            if (status.ExitCode == 0 && BothUp(last))
            {
                return;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"the failover status did not show both nodes up within {timeout}:\n{last}");
    }

    private static bool BothUp(string json)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(json);
            var record = document.RootElement.GetProperty("records")[0];
            return record.GetProperty("primary").GetProperty("state").GetString() == "up"
                && record.GetProperty("backup").GetProperty("state").GetString() == "up";
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    /// <summary>kill -9 of the primary's node service (supervisor and server), as a crash of the machine's service would look.</summary>
    public async Task CrashPrimaryAsync()
    {
        foreach (var name in new[] { "node.pid", "serve.pid" })
        {
            var file = Path.Combine(Files.PrimaryData, "run", name);
            if (File.Exists(file) && int.TryParse(File.ReadLines(file).First(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                await ProcessRunner.RunAsync("kill", ["-9", pid.ToString(CultureInfo.InvariantCulture)]);
            }
        }
    }

    public Task RestartPrimaryAsync() =>
        Check(Lab.RunAsync("primary", _kindling, ["node", "start", "--data", Files.PrimaryData], TimeSpan.FromMinutes(2)), "restart the primary");

    private static async Task Check(Task<ProcessResult> run, string what)
    {
        var result = await run;
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed: {result}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (host, data) in new[] { ("primary", Files.PrimaryData), ("backup", Files.BackupData) })
        {
            if (Directory.Exists(data))
            {
                await Lab.RunAsync(host, _kindling, ["node", "stop", "--now", "--data", data], TimeSpan.FromMinutes(1));
            }
        }

        await Lab.DisposeAsync();
        if (Environment.GetEnvironmentVariable("KINDLING_KEEP_HA") is null)
        {
            Files.Dispose();
        }
    }
}
