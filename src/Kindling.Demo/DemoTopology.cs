using System.Net;

namespace Kindling.Demo;

/// <summary>
/// The seed's three machines on loopback addresses of this one (Linux answers all of 127.0.0.0/8):
/// the dnsServer on .192, the primary bootstrap node on .193, the backup on .194. DCE's ports when root,
/// ports above 1024 otherwise.
/// </summary>
public sealed record DemoTopology(IPAddress Dns, IPAddress Primary, IPAddress Backup, int DnsPort, int RegistryPort, int ChartsPort, int FilesPort)
{
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
