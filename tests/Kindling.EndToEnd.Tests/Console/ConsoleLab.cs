using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Console;

/// <summary>
/// What an operator watches, on loopback: two real <c>./kindling node serve</c> processes (primary on 127.0.43.2,
/// backup on 127.0.43.3 with the primary's CA, following it with <c>--replicate-from</c>) and <c>./kindling dns serve</c>
/// with a failover record over them (fast checks, a short rise and hold-down, the content-parity gate) and
/// <c>--http</c> on 127.0.0.1. The primary can be killed (SIGKILL) and started again on the same ports and data.
/// </summary>
internal sealed class ConsoleLab : IAsyncDisposable
{
    public const string Name = "www.tinder-node-server.com";
    public const string PrimaryAddress = "127.0.43.2";
    public const string BackupAddress = "127.0.43.3";

    private readonly TempDirectory _dir = new("kindling-console");
    private BackgroundProcess? _primary;
    private BackgroundProcess? _backup;
    private BackgroundProcess? _dns;

    private ConsoleLab()
    {
        RegistryPort = FreePort.Tcp(PrimaryAddress);
        ChartsPort = FreePort.Tcp(PrimaryAddress);
        FilesPort = FreePort.Tcp(PrimaryAddress);
        DnsPort = FreePort.TcpAndUdp();
        HttpPort = FreePort.Tcp();
    }

    public int RegistryPort { get; }
    public int ChartsPort { get; }
    public int FilesPort { get; }
    public int DnsPort { get; }
    public int HttpPort { get; }

    /// <summary>The DNS server's status page (and, below it, /status and /metrics).</summary>
    public Uri StatusUrl => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{HttpPort}/"));

    public string CaFile => _dir.File("primary/pki/ca.crt");

    public string NodeUrl(string address) => string.Create(CultureInfo.InvariantCulture, $"https://{address}:{RegistryPort}");

    public string Output => $"--- dns ---\n{_dns?.Output}\n--- primary ---\n{_primary?.Output}\n--- backup ---\n{_backup?.Output}";

    public string Path(string name) => _dir.File(name);

    public static async Task<ConsoleLab> StartAsync()
    {
        var lab = new ConsoleLab();
        try
        {
            await lab.StartPrimaryAsync();
            lab._backup = await StartNodeAsync(lab, BackupAddress, "backup",
                ["--ca-from", lab._dir.File("primary/pki"), "--replicate-from", lab.NodeUrl(PrimaryAddress), "--replicate-interval", "1s"]);
            lab.WriteDnsFiles();
            lab._dns = BackgroundProcess.Start(Repository.KindlingScript,
            [
                "dns", "serve", "--named-conf", lab._dir.File("named.conf"), "--listen", $"127.0.0.1:{lab.DnsPort}",
                "--failover", lab._dir.File("failover.yaml"), "--http", $"127.0.0.1:{lab.HttpPort}",
            ]);
            await lab._dns.WaitForOutputAsync("checks started", TimeSpan.FromMinutes(5));
            await lab.WaitUntilSettledAsync();
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    public async Task StartPrimaryAsync()
    {
        _primary?.Dispose();
        _primary = await StartNodeAsync(this, PrimaryAddress, "primary", []);
    }

    /// <summary>
    /// Waits until the primary answers and both sides are up with a run of good checks: a node's first requests are
    /// slow on a loaded machine (JIT), and a test must not start from a failover of its own making.
    /// </summary>
    public async Task WaitUntilSettledAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var status = System.Text.Json.JsonDocument.Parse(await GetAsync(StatusUrl + "status"));
            var record = status.RootElement.GetProperty("records")[0];
            if (record.GetProperty("active").GetString() == "primary"
                && record.GetProperty("primary").GetProperty("consecutiveSuccesses").GetInt32() >= 8
                && record.GetProperty("backup").GetProperty("consecutiveSuccesses").GetInt32() >= 8)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the failover record did not settle on a healthy primary:\n{status.RootElement}\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>SIGKILL: the primary's ports refuse connections at once.</summary>
    public async Task KillPrimaryAsync()
    {
        if (_primary is { HasExited: false } primary)
        {
            primary.Signal(9);
            await primary.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
    }

    private static async Task<BackgroundProcess> StartNodeAsync(ConsoleLab lab, string address, string name, string[] extra)
    {
        var process = BackgroundProcess.Start(Repository.KindlingScript,
        [
            "node", "serve", "--data", lab._dir.File(name), "--address", address,
            "--registry-port", $"{lab.RegistryPort}", "--charts-port", $"{lab.ChartsPort}", "--files-port", $"{lab.FilesPort}", .. extra,
        ]);
        await process.WaitForOutputAsync("CA certificate for clients", TimeSpan.FromMinutes(5));
        return process;
    }

    private void WriteDnsFiles()
    {
        _dir.Write("tinder-node-server.com.zone", """
            $TTL 300
            @ IN SOA ns1 admin 1 3600 600 86400 60
            @ IN NS ns1
            ns1 IN A 127.0.0.1
            """);
        _dir.Write("named.conf", $$"""
            options { directory "{{_dir.Path}}"; notify no; };
            zone "tinder-node-server.com" { type master; file "tinder-node-server.com.zone"; notify no; };
            """);
        _dir.Write("failover.yaml", $$"""
            records:
              - name: {{Name}}.
                primary: [{{PrimaryAddress}}]
                backup: [{{BackupAddress}}]
                ttl: 5
                check:
                  url: https://{address}:{{RegistryPort}}/healthz
                  ca: primary/pki/ca.crt
                  interval: 250ms
                  fastInterval: 100ms
                  timeout: 1s
                  fall: 2
                  rise: 3
                  holdDown: 2s
                parity:
                  url: https://{address}:{{RegistryPort}}/kindling/v1/content-digest
                  ca: primary/pki/ca.crt
            """);
    }

    /// <summary>GET over HTTP(S), trusting the lab's CA (only it).</summary>
    public async Task<string> GetAsync(string url)
    {
        using var ca = X509CertificateLoader.LoadCertificateFromFile(CaFile);
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return certificate is not null && chain.Build(certificate);
            },
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        return await client.GetStringAsync(new Uri(url));
    }

    public async ValueTask DisposeAsync()
    {
        _dns?.Dispose();
        _backup?.Dispose();
        _primary?.Dispose();
        await Task.Yield();
        _dir.Dispose();
    }
}
