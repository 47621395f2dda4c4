using System.Net;

namespace Kindling.Demo;

/// <summary>
/// The seed's three machines on loopback addresses of this one (Linux answers all of 127.0.0.0/8):
/// the dnsServer on .192, the primary bootstrap node on .193, the backup on .194. DCE's ports when root,
/// ports above 1024 otherwise. With <c>--dns-instances 3</c> the DNS runs as three instances (.192, .195, .196) that
/// check the nodes together (the failover file's <c>peers:</c>); .192 holds the zone, the others are its secondaries.
/// </summary>
public sealed record DemoTopology(IPAddress Dns, IPAddress Primary, IPAddress Backup, int DnsPort, int RegistryPort, int ChartsPort, int FilesPort)
{
    /// <summary>Every DNS instance, <see cref="Dns"/> first (the zone's primary).</summary>
    public IReadOnlyList<IPAddress> DnsInstances { get; init; } = [Dns];

    /// <summary>This topology with 1 or 3 DNS instances (127.0.41.192, .195, .196).</summary>
    public DemoTopology WithDnsInstances(int count) => count switch
    {
        1 => this with { DnsInstances = [Dns] },
        3 => this with { DnsInstances = [Dns, IPAddress.Parse("127.0.41.195"), IPAddress.Parse("127.0.41.196")] },
        _ => throw new ArgumentOutOfRangeException(nameof(count), count, "--dns-instances: 1 or 3"),
    };

    public IPEndPoint DnsEndpointOf(IPAddress instance) => new(instance, DnsPort);

    public string StatusUrlOf(IPAddress instance) => $"http://{instance}:{StatusPort}/status";

    public const string Domain = "www.tinder-node-server.com";
    public const string Zone = "tinder-node-server.com";

    public static DemoTopology For(bool privilegedPorts) => privilegedPorts
        ? new(IPAddress.Parse("127.0.41.192"), IPAddress.Parse("127.0.41.193"), IPAddress.Parse("127.0.41.194"), 53, 443, 8081, 9000)
        : new(IPAddress.Parse("127.0.41.192"), IPAddress.Parse("127.0.41.193"), IPAddress.Parse("127.0.41.194"), 10053, 18443, 18081, 19000);

    public IPEndPoint DnsEndpoint => new(Dns, DnsPort);

    /// <summary>The DNS server's failover status page (JSON at /status, Prometheus at /metrics).</summary>
    public string StatusUrl => $"http://{Dns}:{StatusPort}/status";

    public int StatusPort => DnsPort == 53 ? 8053 : 18053;

    public string RegistryUrl(IPAddress node) => $"https://{node}:{RegistryPort}";
}
