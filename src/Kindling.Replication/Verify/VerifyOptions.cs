using System.Net;
using Kindling.Replication.Nodes;

namespace Kindling.Replication.Verify;

/// <summary>The settings of one <c>kindling verify</c> run.</summary>
public sealed record VerifyOptions
{
    /// <summary>The domain clients use (the seed's <c>www.tinder-node-server.com</c>); null to check the nodes only.</summary>
    public string? Domain { get; init; }

    /// <summary>The port of <c>https://DOMAIN:PORT/kindling/v1/info</c> (the registry's, 443 by default).</summary>
    public int Port { get; init; } = 443;

    /// <summary>Each node by any one of its URLs.</summary>
    public IReadOnlyList<Uri> Nodes { get; init; } = [];

    public NodeTrust Trust { get; init; } = NodeTrust.SystemRoots;

    /// <summary>How names are resolved (through <c>--dns ADDR:PORT</c>, or the system's resolver when null).</summary>
    public Func<string, CancellationToken, Task<IReadOnlyList<IPAddress>>>? Resolve { get; init; }

    /// <summary>Where <see cref="Resolve"/> asks, for messages (<c>the DNS server 127.0.41.192:53</c>).</summary>
    public string ResolverDescription { get; init; } = "the system's resolver";

    /// <summary>Which image, chart and file to fetch (the first listed when null).</summary>
    public string? Image { get; init; }

    public string? Chart { get; init; }

    public string? File { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
}
