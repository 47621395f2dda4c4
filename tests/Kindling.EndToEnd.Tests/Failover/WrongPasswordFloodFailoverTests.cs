using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Failover;

/// <summary>
/// Issue 13, item 1, as the attack was seen: a real <c>kindling node serve</c> on 127.0.0.2 checked by
/// <c>kindling dns serve --failover</c> (timeout 500 ms, fall 3), a backup (nginx) on 127.0.0.3, and 16
/// connections sending wrong passwords to the primary's registry. Before the login gate, /healthz answered 503
/// after 4.6 s and the record switched to the backup.
/// </summary>
public sealed class WrongPasswordFloodFailoverTests : IDisposable
{
    private const string Name = "www.tinder-node-server.com";
    private readonly TempDirectory _dir = new("kindling-flood");
    private readonly int _dnsPort = FreePort.TcpAndUdp();
    private readonly int _httpPort = FreePort.Tcp();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task WrongPasswordFlood_OnThePrimary_RecordNeverSwitches()
    {
        var dig = Requires.Tool("dig", "bind9-dnsutils");
        int port = FreePort.Tcp("127.0.0.2"), charts = FreePort.Tcp("127.0.0.2"), files = FreePort.Tcp("127.0.0.2");
        var data = _dir.File("primary");
        using var primary = BackgroundProcess.Start(Repository.KindlingScript, ["node", "serve", "--data", data, "--address", "127.0.0.2",
            "--registry-port", $"{port}", "--charts-port", $"{charts}", "--files-port", $"{files}"]);
        await primary.WaitForOutputAsync("CA certificate for clients", TimeSpan.FromMinutes(5));
        using var backup = await HttpsNode.StartAsync("127.0.0.3", port);
        await WarmAsync(port);
        WriteConfiguration(File.ReadAllText(Path.Combine(data, "pki", "ca.crt")) + backup.CertificatePem, port);
        using var server = new BackgroundProcess(Repository.KindlingScript,
            ["dns", "serve", "--named-conf", _dir.File("named.conf"), "--listen", $"127.0.0.1:{_dnsPort}", "--pid-file", _dir.File("kindling.pid"),
             "--failover", _dir.File("failover.yaml"), "--http", $"127.0.0.1:{_httpPort}"]);
        await server.WaitForOutputAsync("checks started", TimeSpan.FromMinutes(5));
        // Past the checker's own cold start (its first checks may time out on a loaded machine), before the flood.
        await Task.Delay(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken);
        var before = await DigAsync(dig);
        var outputBefore = server.Output;

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(12));
        var flood = Enumerable.Range(0, 16).Select(i => FloodAsync($"https://127.0.0.2:{port}/v2/library/app/manifests/latest", TimeSpan.FromMilliseconds(50 * i), stop.Token)).ToArray();
        var answers = new List<string>();
        while (!stop.IsCancellationRequested)
        {
            answers.Add(await DigAsync(dig));
            await Task.Delay(250, CancellationToken.None);
        }

        var statuses = (await Task.WhenAll(flood)).SelectMany(s => s).ToList();
        var summary = $"{statuses.Count} wrong-password requests ({string.Join(", ", statuses.GroupBy(s => s).Select(g => $"{g.Count()}x {g.Key}"))}); "
            + $"answers: {string.Join(", ", answers.GroupBy(a => a).Select(g => $"{g.Count()}x {g.Key}"))}\n{server.Output}";

        Assert.True(before == "127.0.0.2", outputBefore);
        Assert.True(statuses.Count > 300, summary);
        Assert.All(statuses, s => Assert.Contains(s, new[] { 401, 429 }));
        Assert.True(answers.Count >= 20, summary);
        Assert.True(answers.All(a => a == "127.0.0.2"), summary);
        Assert.DoesNotContain("switched primary -> backup", server.Output, StringComparison.Ordinal);
    }

    private void WriteConfiguration(string caPem, int port)
    {
        _dir.Write("ca.pem", caPem);
        _dir.Write("tinder-node-server.com.zone", """
            $TTL 300
            @ IN SOA ns1 admin 1 3600 600 86400 60
            @ IN NS ns1
            ns1 IN A 127.0.0.1
            www 5 IN A 127.0.0.2
            """);
        _dir.Write("named.conf", $$"""
            options { directory "{{_dir.Path}}"; notify no; };
            zone "tinder-node-server.com" { type master; file "tinder-node-server.com.zone"; notify no; };
            """);
        _dir.Write("failover.yaml", $$"""
            records:
              - name: {{Name}}.
                primary: [127.0.0.2]
                backup: [127.0.0.3]
                ttl: 5
                check:
                  url: https://{address}:{{port}}/healthz
                  ca: ca.pem
                  interval: 1s
                  timeout: 500ms
                  fall: 3
            """);
    }

    private async Task<string> DigAsync(string dig)
    {
        var result = await ProcessRunner.RunAsync(dig, ["@127.0.0.1", "-p", _dnsPort.ToString(CultureInfo.InvariantCulture), "+short", "+tries=1", "+time=1", Name, "A"]);
        return result.StdOut.Trim();
    }

    /// <summary>
    /// The node just started (JIT): /healthz (which probes every port itself), the registry and a password check
    /// are run once before anything is timed, as a node in service has long done.
    /// </summary>
    private static async Task WarmAsync(int port)
    {
        using var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } };
        using var client = new HttpClient(handler);
        for (var i = 0; i < 3; i++)
        {
            using var health = await client.GetAsync($"https://127.0.0.2:{port}/healthz", TestContext.Current.CancellationToken);
            using var anonymous = await client.GetAsync($"https://127.0.0.2:{port}/v2/library/app/manifests/latest", TestContext.Current.CancellationToken);
        }

        var request = new HttpRequestMessage(HttpMethod.Get, $"https://127.0.0.2:{port}/v2/");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:warm-up")));
        using var wrong = await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>One connection sending wrong passwords, 5 a second (the rate of the attack in issue 13); returns the statuses.</summary>
    private static async Task<List<int>> FloodAsync(string url, TimeSpan delay, CancellationToken stop)
    {
        using var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } };
        using var client = new HttpClient(handler);
        var statuses = new List<int>();
        await Task.Delay(delay, stop);
        while (!stop.IsCancellationRequested)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{Guid.NewGuid():N}")));
            try
            {
                using var response = await client.SendAsync(request, stop);
                statuses.Add((int)response.StatusCode);
                await Task.Delay(200, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }

        return statuses;
    }
}
