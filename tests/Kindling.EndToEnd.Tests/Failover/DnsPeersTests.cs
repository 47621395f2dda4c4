using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Failover;

/// <summary>
/// Three <c>kindling dns serve</c> instances on 127.0.41.192, .195 and .196 with one failover file whose <c>peers:</c>
/// lists all three, and two HTTPS nodes on 127.0.0.2 and 127.0.0.3: the instances exchange signed views; a forged view
/// (another secret) and replayed views change no answer and are counted and logged (issue 15, item g); the primary
/// killed, all three switch; one instance killed, the two others still agree.
/// </summary>
public sealed class DnsPeersTests : IDisposable
{
    private const string Name = "www.tinder-node-server.com";
    private static readonly string[] Addresses = ["127.0.41.192", "127.0.41.195", "127.0.41.196"];
    private readonly TempDirectory _dir = new("kindling-peers");
    private readonly int[] _dnsPorts = [.. Addresses.Select(FreePort.TcpAndUdp)];
    private readonly int[] _httpPorts = [.. Addresses.Select(a => FreePort.Tcp(a))];
    private readonly List<BackgroundProcess> _servers = [];
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };

    public void Dispose()
    {
        foreach (var server in _servers)
        {
            server.Dispose();
        }

        _http.Dispose();
        _dir.Dispose();
    }

    private string Url(int i) => $"http://{Addresses[i]}:{_httpPorts[i]}";

    private string Peer(int i) => $"{Addresses[i]}:{_httpPorts[i]}";

    private void Setup(PrimaryAndBackup nodes)
    {
        _dir.Write("ca.pem", nodes.CaPem);
        _dir.Write("peer.key", Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)) + "\n");
        _dir.Write("failover.yaml", $$"""
            peers:
              secret: peer.key
              urls: [{{string.Join(", ", Enumerable.Range(0, 3).Select(Url))}}]
            {{nodes.RecordsYaml("rise: 2", "holdDown: 2s")}}
            """);
        for (var i = 0; i < 3; i++)
        {
            // Each instance has its own zone copy: the zone journal is per instance.
            var zoneDir = Directory.CreateDirectory(_dir.File($"dns{i}")).FullName;
            File.WriteAllText(Path.Combine(zoneDir, "tinder-node-server.com.zone"), """
                $TTL 300
                @ IN SOA ns1 admin 1 3600 600 86400 60
                @ IN NS ns1
                ns1 IN A 127.0.41.192
                www 5 IN A 127.0.0.2
                """);
            File.WriteAllText(Path.Combine(zoneDir, "named.conf"), $$"""
                options { directory "{{zoneDir}}"; notify no; };
                zone "tinder-node-server.com" { type master; file "tinder-node-server.com.zone"; notify no; };
                """);
        }
    }

    private BackgroundProcess Serve(int i)
    {
        var zoneDir = _dir.File($"dns{i}");
        var server = new BackgroundProcess(Repository.KindlingScript,
            ["dns", "serve", "--named-conf", Path.Combine(zoneDir, "named.conf"), "--listen", $"{Addresses[i]}:{_dnsPorts[i]}",
             "--pid-file", Path.Combine(zoneDir, "kindling.pid"), "--failover", _dir.File("failover.yaml"),
             "--failover-state", Path.Combine(zoneDir, "failover.state.json"), "--http", $"{Addresses[i]}:{_httpPorts[i]}"]);
        _servers.Add(server);
        return server;
    }

    /// <summary>One after another: the first may build the CLI, which the others must not do at the same time.</summary>
    private async Task<List<BackgroundProcess>> StartAllAsync()
    {
        List<BackgroundProcess> servers = [];
        for (var i = 0; i < 3; i++)
        {
            servers.Add(Serve(i));
            await servers[i].WaitForOutputAsync("checks started", TimeSpan.FromMinutes(5));
        }

        return servers;
    }

    /// <summary>Writes the files, starts the three instances and waits until each sees both peers up.</summary>
    private async Task<List<BackgroundProcess>> StartMeshedAsync(PrimaryAndBackup nodes)
    {
        Setup(nodes);
        var servers = await StartAllAsync();
        Assert.True(await MeshUpAsync(_http, [0, 1, 2], 2, TimeSpan.FromSeconds(15)), string.Join("\n----\n", servers.Select(s => s.Output)));
        return servers;
    }

    private async Task<string> DigAsync(int i)
    {
        var dig = Requires.Tool("dig", "bind9-dnsutils");
        var result = await ProcessRunner.RunAsync(dig, ["@" + Addresses[i], "-p", _dnsPorts[i].ToString(CultureInfo.InvariantCulture), "+short", "+tries=1", "+time=1", Name, "A"]);
        return result.StdOut.Trim();
    }

    private async Task<bool> AllAnswerAsync(IEnumerable<int> instances, string expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var answers = await Task.WhenAll(instances.Select(DigAsync));
            if (answers.All(a => a == expected))
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    private static async Task<JsonDocument> StatusAsync(HttpClient http, string url) =>
        JsonDocument.Parse(await http.GetStringAsync(new Uri(url + "/status"), TestContext.Current.CancellationToken));

    /// <summary>Waits until every instance sees both peers up (reachable, with a fresh view).</summary>
    private async Task<bool> MeshUpAsync(HttpClient http, IEnumerable<int> instances, int peersUp, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var ok = true;
            foreach (var i in instances)
            {
                using var status = await StatusAsync(http, Url(i));
                ok &= status.RootElement.GetProperty("peers").EnumerateArray().Count(p => p.GetProperty("up").GetBoolean()) >= peersUp;
            }

            if (ok)
            {
                return true;
            }

            await Task.Delay(200);
        }

        return false;
    }

    private static string Sign(string body, byte[] secret)
    {
        using var hmac = new HMACSHA256(secret);
        return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes("kindling-peer-view-v1\n" + body)));
    }

    private static async Task<HttpResponseMessage> PostViewAsync(HttpClient http, string url, byte[] body, string mac)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(url + "/v1/peer/view")) { Content = new ByteArrayContent(body) };
        request.Headers.TryAddWithoutValidation("X-Kindling-Peer-Mac", mac);
        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static long Metric(string metrics, string series)
    {
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        Assert.True(line is not null, $"{series} not in /metrics:\n{metrics}");
        return long.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task ForgedAndReplayedViews_ChangeNothing_AndAreCountedAndLogged()
    {
        using var nodes = await PrimaryAndBackup.StartAsync();
        var servers = await StartMeshedAsync(nodes);
        Assert.True(await AllAnswerAsync([0, 1, 2], "127.0.0.2", TimeSpan.FromSeconds(5)));

        // Forged: both peers "say" the primary is down (and the backup up), signed with another secret. Accepted, 3 of 3
        // views would say down and instance 0 would switch.
        var wrong = RandomNumberGenerator.GetBytes(48);
        foreach (var from in new[] { 1, 2 })
        {
            var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
            var body = $$$"""
                {"version":1,"instance":"{{{Url(from)}}}/","sequence":{{{long.MaxValue - 10}}},"sentAt":"{{{now}}}","records":[{"name":"{{{Name}}}.","active":"backup",
                "primary":{"state":"down","risen":false,"since":"{{{now}}}","successes":0,"failures":9,"checks":99},
                "backup":{"state":"up","risen":true,"since":"{{{now}}}","successes":9,"failures":0,"checks":99}}]}
                """;
            using var forged = await PostViewAsync(_http, Url(0), Encoding.UTF8.GetBytes(body), Sign(body, wrong));
            Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        }

        // Replayed: a genuine view of instance 1, sent again once instance 0 has it (sequence not above the last one).
        using var genuine = await _http.GetAsync(new Uri(Url(1) + "/v1/peer/view"), TestContext.Current.CancellationToken);
        var genuineBody = await genuine.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        var genuineMac = genuine.Headers.GetValues("X-Kindling-Peer-Mac").Single();
        await Task.Delay(1500, TestContext.Current.CancellationToken); // a newer heartbeat has reached instance 0 by now
        using (var replayed = await PostViewAsync(_http, Url(0), genuineBody, genuineMac))
        {
            Assert.Equal(HttpStatusCode.Conflict, replayed.StatusCode);
            Assert.Equal("replayed", (await replayed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Trim());
        }

        // Replayed much later: older than the freshness window (3 s).
        await Task.Delay(2500, TestContext.Current.CancellationToken);
        using (var stale = await PostViewAsync(_http, Url(0), genuineBody, genuineMac))
        {
            Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
            Assert.Equal("stale", (await stale.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Trim());
        }

        await Task.Delay(1000, TestContext.Current.CancellationToken);
        Assert.True(await AllAnswerAsync([0, 1, 2], "127.0.0.2", TimeSpan.FromSeconds(1)));
        using (var status = await StatusAsync(_http, Url(0)))
        {
            var record = status.RootElement.GetProperty("records")[0];
            Assert.Equal(0, record.GetProperty("transitions").GetInt64());
            Assert.Equal("up", record.GetProperty("aggregate").GetProperty("primary").GetProperty("state").GetString());
            Assert.Equal(3, record.GetProperty("aggregate").GetProperty("primary").GetProperty("views").GetInt32());
        }

        var metrics = await _http.GetStringAsync(new Uri(Url(0) + "/metrics"), TestContext.Current.CancellationToken);
        // The forged bodies name instances 1 and 2, but their MAC fails, so they are not read: they count under the
        // sender's socket address, 127.0.0.1 here, which is no peer's (unknown); nothing counts under 1 or 2.
        Assert.Equal(0, Metric(metrics, $"kindling_dns_peer_views_total{{peer=\"{Peer(1)}\",result=\"rejected_mac\"}}"));
        Assert.Equal(0, Metric(metrics, $"kindling_dns_peer_views_total{{peer=\"{Peer(2)}\",result=\"rejected_mac\"}}"));
        Assert.Equal(2, Metric(metrics, "kindling_dns_peer_views_total{peer=\"unknown\",result=\"rejected_mac\"}"));
        Assert.Equal(1, Metric(metrics, $"kindling_dns_peer_views_total{{peer=\"{Peer(1)}\",result=\"replayed\"}}"));
        Assert.Equal(1, Metric(metrics, $"kindling_dns_peer_views_total{{peer=\"{Peer(1)}\",result=\"stale\"}}"));
        Assert.True(Metric(metrics, $"kindling_dns_peer_views_total{{peer=\"{Peer(1)}\",result=\"accepted\"}}") > 0);
        Assert.Equal(1, Metric(metrics, $"kindling_dns_peer_up{{peer=\"{Peer(2)}\"}}"));
        var log = servers[0].Output;
        Assert.Contains("(sender not read) rejected, rejected_mac: MAC does not verify", log, StringComparison.Ordinal);
        Assert.Contains("rejected, replayed: sequence", log, StringComparison.Ordinal);
        Assert.Contains("rejected, stale: sent at", log, StringComparison.Ordinal);

        var printed = await ProcessRunner.KindlingAsync("dns", "status", "--http", Peer(0));
        Assert.True(printed.ExitCode == 0, printed.ToString());
        Assert.Contains("\"peers\"", printed.StdOut, StringComparison.Ordinal);
        Assert.Contains("\"peerViewsFromUnknownSenders\": 2", printed.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("\"rejectedMac\": 1", printed.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrimaryKilled_AllThreeSwitch_ThenOneInstanceKilled_TheOthersStillAgree()
    {
        using var nodes = await PrimaryAndBackup.StartAsync();
        var servers = await StartMeshedAsync(nodes);

        nodes.Primary.Kill();
        Assert.True(await AllAnswerAsync([0, 1, 2], "127.0.0.3", TimeSpan.FromSeconds(10)), string.Join("\n----\n", servers.Select(s => s.Output)));
        foreach (var server in servers)
        {
            Assert.Contains("switched primary -> backup: primary down in ", server.Output, StringComparison.Ordinal);
        }

        servers[2].Kill();
        await nodes.Primary.RestartAsync();
        Assert.True(await AllAnswerAsync([0, 1], "127.0.0.2", TimeSpan.FromSeconds(20)), string.Join("\n----\n", servers.Select(s => s.Output)));
        foreach (var server in servers.Take(2))
        {
            Assert.Contains("switched backup -> primary: primary risen in 0 of 2 fresh view(s) down, 2 up", server.Output, StringComparison.Ordinal);
        }
    }
}
