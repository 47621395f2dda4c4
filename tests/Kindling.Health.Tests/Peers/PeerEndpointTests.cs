using System.Net;
using System.Security.Cryptography;
using System.Text;
using Kindling.Health.Failover;
using Kindling.Health.Observability;
using Kindling.Health.Peers;
using Kindling.Health.Probes;
using Kindling.Testing;
using static Kindling.Health.Tests.Failover.Records;

namespace Kindling.Health.Tests.Peers;

/// <summary>
/// Two instances in one process on loopback (real HTTP, real clock; probes answer at once): views reach the peer,
/// the endpoint bounds bodies, refuses bad MACs, and serves the own signed view.
/// </summary>
public sealed class PeerEndpointTests : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }

    private sealed class FixedProbe(bool healthy) : IHealthProbe
    {
        public bool Healthy { get; set; } = healthy;

        public string Target => "fixed";

        public Task<ProbeOutcome> ProbeAsync(CancellationToken cancellationToken) =>
            Task.FromResult(Healthy ? ProbeOutcome.Up(TimeSpan.FromMilliseconds(1)) : ProbeOutcome.Down(TimeSpan.FromMilliseconds(1), "connection refused"));
    }

    private sealed record Node(FailoverMonitor Monitor, PeerMesh Mesh, StatusEndpoint Endpoint, FixedProbe Primary, LogLines Log);

    private Node Start(PeersSpec spec, int index, IReadOnlyList<int> ports)
    {
        var self = $"http://127.0.0.1:{ports[index]}/";
        var aggregator = new PeerAggregator(TimeProvider.System, self, spec.Urls.Select(u => u.ToString()), TimeSpan.FromSeconds(3));
        var primary = new FixedProbe(true);
        var backup = new FixedProbe(true);
        var log = new LogLines();
        var timings = new FailoverTimings { Interval = TimeSpan.FromMilliseconds(200), FastInterval = TimeSpan.FromMilliseconds(50), Rise = 2, HoldDown = TimeSpan.Zero, HoldDownMax = TimeSpan.Zero };
        var monitor = new FailoverMonitor([Www(timings)], new FailoverMonitorOptions { Probes = (_, side) => side == Side.Primary ? primary : backup, Peers = aggregator, Logger = log });
        var mesh = new PeerMesh(spec, aggregator, monitor, timings.Interval, TimeProvider.System, log);
        var endpoint = new StatusEndpoint(new IPEndPoint(IPAddress.Loopback, ports[index]), monitor, null, mesh);
        _owned.Add(monitor);
        _owned.Add(mesh);
        _owned.Add(endpoint);
        monitor.Start();
        mesh.Start();
        return new Node(monitor, mesh, endpoint, primary, log);
    }

    private static PeersSpec Spec(IReadOnlyList<int> ports) => new()
    {
        SecretFile = "peer.key",
        Secret = PeerCluster.Secret,
        Urls = [.. ports.Select(p => new Uri($"http://127.0.0.1:{p}/"))],
    };

    private static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }

    [Fact]
    public async Task TwoInstances_ExchangeViews_AndAgreeWhenOneLosesThePrimary()
    {
        int[] ports = [FreePort.Tcp(), FreePort.Tcp()];
        var spec = Spec(ports);
        var a = Start(spec, 0, ports);
        var b = Start(spec, 1, ports);

        Assert.True(await EventuallyAsync(() => a.Mesh.Status().Single().Up && b.Mesh.Status().Single().Up, TimeSpan.FromSeconds(10)));
        Assert.True(await EventuallyAsync(() => a.Monitor.Status()[0].Aggregate!.Primary.Views == 2, TimeSpan.FromSeconds(5)));

        // Only a's link to the primary fails: 1 of 2 down is no majority, so neither switches.
        a.Primary.Healthy = false;
        Assert.True(await EventuallyAsync(() => b.Mesh.Status().Single().Disagreeing, TimeSpan.FromSeconds(5)));
        Assert.Equal(Side.Primary, a.Monitor.Status()[0].Active);
        Assert.Equal(SideState.Down, a.Monitor.Status()[0].Primary.State);
        Assert.Equal(SideState.Up, a.Monitor.Status()[0].Aggregate!.Primary.State);

        // Now b loses it too: 2 of 2 down, both switch.
        b.Primary.Healthy = false;
        Assert.True(await EventuallyAsync(() => a.Monitor.Status()[0].Active == Side.Backup && b.Monitor.Status()[0].Active == Side.Backup, TimeSpan.FromSeconds(5)));
        Assert.Contains(a.Log.Lines, l => l.Message.Contains("switched primary -> backup: primary down in 2 of 2 fresh view(s) down", StringComparison.Ordinal));
        Assert.True(b.Mesh.Status().Single().Disagreements >= 1);
    }

    [Fact]
    public async Task Endpoint_BoundsBodies_RefusesBadMacs_AndServesTheOwnSignedView()
    {
        int[] ports = [FreePort.Tcp(), FreePort.Tcp()];
        var a = Start(Spec(ports), 0, ports);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        var url = new Uri($"http://127.0.0.1:{ports[0]}/v1/peer/view");

        using (var big = await http.PostAsync(url, new ByteArrayContent(new byte[PeerViewCodec.MaxBodyBytes + 1]), TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent("{\"version\":1}") })
        {
            request.Headers.TryAddWithoutValidation(PeerViewCodec.MacHeader, Convert.ToBase64String(new byte[32]));
            using var forged = await http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        }

        // The forged body came from 127.0.0.1, the address of one peer (b): counted under b by the socket's word.
        Assert.Equal(0, a.Mesh.RejectedUnknown);
        Assert.Equal(1, a.Mesh.Status().Single().RejectedMac);
        Assert.Contains(a.Log.Lines, l => l.Message.Contains("(sender not read) rejected, rejected_mac: MAC does not verify", StringComparison.Ordinal));

        // Authentic but no view: 400 malformed, not a MAC problem.
        var garbage = Encoding.UTF8.GetBytes("{ not a view");
        using (var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(garbage) })
        {
            var mac = HMACSHA256.HashData(PeerCluster.Secret, (byte[])[.. Encoding.ASCII.GetBytes("kindling-peer-view-v1\n"), .. garbage]);
            request.Headers.TryAddWithoutValidation(PeerViewCodec.MacHeader, Convert.ToBase64String(mac));
            using var malformed = await http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
            Assert.Equal("malformed", (await malformed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Trim());
        }

        Assert.Equal(1, a.Mesh.Status().Single().Malformed);

        using var own = await http.GetAsync(url, TestContext.Current.CancellationToken);
        var body = await own.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        Assert.True(PeerViewCodec.TryDecode(body, own.Headers.GetValues(PeerViewCodec.MacHeader).Single(), PeerCluster.Secret, out var view, out _, out var error), error);
        Assert.Equal($"http://127.0.0.1:{ports[0]}/", view!.Instance);
        Assert.Equal("www.tinder-node-server.com.", Assert.Single(view.Records).Name);

        var status = await http.GetStringAsync(new Uri($"http://127.0.0.1:{ports[0]}/status"), TestContext.Current.CancellationToken);
        Assert.Contains("\"peers\": [", status, StringComparison.Ordinal);
        Assert.Contains("\"aggregate\": {", status, StringComparison.Ordinal);
        var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{ports[0]}/metrics"), TestContext.Current.CancellationToken);
        Assert.Contains("kindling_dns_peer_views_total{peer=\"unknown\",result=\"rejected_mac\"} 0", metrics, StringComparison.Ordinal);
        Assert.Contains($"kindling_dns_peer_views_total{{peer=\"127.0.0.1:{ports[1]}\",result=\"rejected_mac\"}} 1", metrics, StringComparison.Ordinal);
        Assert.Contains($"kindling_dns_peer_views_total{{peer=\"127.0.0.1:{ports[1]}\",result=\"malformed\"}} 1", metrics, StringComparison.Ordinal);
        Assert.Contains($"kindling_dns_peer_up{{peer=\"127.0.0.1:{ports[1]}\"}} 0", metrics, StringComparison.Ordinal); // nobody there
    }

    [Fact]
    public async Task WithoutPeers_ThePeerPathIsNotFound_AndStatusHasNoPeers()
    {
        var probe = new FixedProbe(true);
        await using var monitor = new FailoverMonitor([Www()], new FailoverMonitorOptions { Probes = (_, _) => probe });
        var port = FreePort.Tcp();
        await using var endpoint = new StatusEndpoint(new IPEndPoint(IPAddress.Loopback, port), monitor);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };

        using var post = await http.PostAsync(new Uri($"http://127.0.0.1:{port}/v1/peer/view"), new StringContent("{}"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        var status = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/status"), TestContext.Current.CancellationToken);
        Assert.DoesNotContain("peers", status, StringComparison.Ordinal);
        Assert.DoesNotContain("aggregate", status, StringComparison.Ordinal);
    }
}
