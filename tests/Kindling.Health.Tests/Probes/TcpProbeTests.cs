using System.Net;
using System.Net.Sockets;
using Kindling.Health.Probes;

namespace Kindling.Health.Tests.Probes;

public sealed class TcpProbeTests
{
    [Fact]
    public async Task Tcp_Listening_IsHealthy()
    {
        using var listener = new TcpListener(IPAddress.Parse("127.0.0.3"), 0);
        listener.Start();
        var probe = new TcpProbe((IPEndPoint)listener.LocalEndpoint, TimeSpan.FromSeconds(10), TimeProvider.System);

        var outcome = await probe.ProbeAsync(TestContext.Current.CancellationToken);

        Assert.True(outcome.Healthy, outcome.Detail);
        Assert.Equal("tcp://127.0.0.3:" + ((IPEndPoint)listener.LocalEndpoint).Port, probe.Target);
    }

    [Fact]
    public async Task Tcp_NothingListening_ReportsConnectionRefused()
    {
        IPEndPoint endpoint;
        using (var listener = new TcpListener(IPAddress.Parse("127.0.0.3"), 0))
        {
            listener.Start();
            endpoint = (IPEndPoint)listener.LocalEndpoint;
        }

        var outcome = await new TcpProbe(endpoint, TimeSpan.FromSeconds(10), TimeProvider.System).ProbeAsync(TestContext.Current.CancellationToken);

        Assert.False(outcome.Healthy);
        Assert.Equal("connection refused", outcome.Detail);
    }
}
