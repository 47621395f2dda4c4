namespace Kindling.Replication.Clients;

/// <summary>One node as clients reach it by address: its registry and files URLs.</summary>
/// <param name="Registry">The registry's origin, <c>https://172.30.41.193</c> (no trailing slash, port only when not 443).</param>
/// <param name="Files">The file store's origin, <c>https://172.30.41.193:9000</c>; null when unknown (not needed by every format).</param>
public sealed record ClientNode(string Registry, string? Files);

/// <summary>
/// Everything a client configuration is made of: the domain, each node in the order clients fall back to them, the
/// CA, and the OS repositories found on the first node. The writers are pure functions of it, so output is
/// deterministic and golden-tested without a network.
/// </summary>
public sealed record ClientTopology
{
    public required RegistryDomain Domain { get; init; }

    public required IReadOnlyList<ClientNode> Nodes { get; init; }

    /// <summary>The CA file as given (absolute); null to rely on the client's system trust store.</summary>
    public string? CaPath { get; init; }

    /// <summary>The CA's PEM text, copied beside configurations that want it in their own folder (containerd, podman).</summary>
    public string? CaPem { get; init; }

    /// <summary>The domain's file-store origin (<c>https://NAME:9000</c>): the first node's files scheme and port under the domain's name.</summary>
    public string? DomainFiles { get; init; }

    public IReadOnlyList<OsRepository> Repositories { get; init; } = [];

    /// <summary>The domain's registry origin, <c>https://NAME[:PORT]</c>.</summary>
    public string DomainRegistry => "https://" + Domain.Authority;
}
