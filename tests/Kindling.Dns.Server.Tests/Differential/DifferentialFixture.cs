using System.Net;
using Kindling.Dns.Client;
using Kindling.Testing;

namespace Kindling.Dns.Server.Tests.Differential;

/// <summary>
/// One BIND and one Kindling serving the same named.conf and zone files (the suite's zones plus the seed's), each on
/// its own loopback address and free port.
/// </summary>
public sealed class DifferentialFixture : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("kindling-diff");
    private BindProcess? _bind;
    private DnsServer? _kindling;

    public IPEndPoint BindEndPoint { get; private set; } = null!;

    public IPEndPoint KindlingEndPoint { get; private set; } = null!;

    public DnsClient Bind => new(BindEndPoint, TimeSpan.FromSeconds(2), attempts: 2);

    public DnsClient Kindling => new(KindlingEndPoint, TimeSpan.FromSeconds(2), attempts: 2);

    public string BindLog => _bind?.Log ?? "";

    public async ValueTask InitializeAsync()
    {
        var zones = Path.Combine(AppContext.BaseDirectory, "Differential", "zones");
        foreach (var file in Directory.GetFiles(zones))
        {
            File.Copy(file, _dir.File(Path.GetFileName(file)));
        }

        foreach (var seed in new[] { "tinder-node-server.com.zone", "tinder-node-server.com.local" })
        {
            File.Copy(Path.Combine(Repository.Samples, "dns", seed), _dir.File(seed));
        }

        BindEndPoint = new IPEndPoint(IPAddress.Parse("127.0.0.1"), FreePort.TcpAndUdp("127.0.0.1"));
        KindlingEndPoint = new IPEndPoint(IPAddress.Parse("127.0.0.2"), FreePort.TcpAndUdp("127.0.0.2"));
        var conf = _dir.Write("named.conf", BindProcess.TestOptions(_dir.Path, BindEndPoint) + """
            zone "example.test" { type primary; file "example.test.zone"; allow-transfer { 127.0.0.0/8; }; };
            zone "Zone2.TEST" IN { type master; file "zone2.test.zone"; allow-transfer { none; }; };
            zone "2.0.192.in-addr.arpa" { type primary; file "reverse.zone"; };
            zone "tinder-node-server.com" IN { type master; file "tinder-node-server.com.zone"; allow-update { none; }; };
            zone "41.30.172.in-addr.arpa" IN { type master; file "tinder-node-server.com.local"; allow-update { none; }; };
            """);
        _kindling = DnsServer.Load(new DnsServerOptions(conf) { Listen = [KindlingEndPoint], UdpThreads = 1 });
        _kindling.Start();
        _bind = await BindProcess.StartAsync(conf, BindEndPoint, "example.test.");
    }

    public async ValueTask DisposeAsync()
    {
        _kindling?.Dispose();
        if (_bind is not null)
        {
            await _bind.DisposeAsync();
        }

        _dir.Dispose();
    }
}
