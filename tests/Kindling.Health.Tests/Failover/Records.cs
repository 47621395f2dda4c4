using System.Net;
using Kindling.Dns;
using Kindling.Health.Failover;

namespace Kindling.Health.Tests.Failover;

/// <summary>Failover records for state machine and monitor tests (defaults of issue 4 unless changed).</summary>
internal static class Records
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static FailoverRecord Www(FailoverTimings? timings = null, ParitySpec? parity = null) => new()
    {
        Name = DomainName.Parse("www.tinder-node-server.com."),
        Primary = [IPAddress.Parse("127.0.0.2")],
        Backup = [IPAddress.Parse("127.0.0.3")],
        Ttl = 5,
        Checks = [new CheckSpec { Kind = ProbeKind.Https, UrlTemplate = "https://{address}:443/healthz" }],
        Timings = timings ?? new FailoverTimings(),
        Parity = parity,
    };
}
