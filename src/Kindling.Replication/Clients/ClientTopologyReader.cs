using Kindling.Replication.Files;
using Kindling.Replication.Nodes;

namespace Kindling.Replication.Clients;

/// <summary>
/// Gathers a <see cref="ClientTopology"/> from the nodes themselves: each node's services (<c>/kindling/v1/info</c>),
/// its certificate checked against the names clients will use, and the OS repositories the first node serves.
/// </summary>
public static class ClientTopologyReader
{
    public static async Task<ClientTopology> ReadAsync(RegistryDomain domain, IReadOnlyList<Uri> nodeUrls, string? caFile, bool withRepositories,
        CancellationToken cancellationToken)
    {
        if (nodeUrls.Count == 0)
        {
            throw new ReplicationException("give each node clients may fall back to with --node URL (e.g. --node https://172.30.41.193 --node https://172.30.41.194)");
        }

        var trust = caFile is null ? NodeTrust.SystemRoots : NodeTrust.FromFiles([caFile]);
        using var http = NodeHttp.CreateClient(trust, 2, TimeSpan.FromSeconds(30));
        var nodes = new List<ClientNode>();
        IReadOnlyList<OsRepository> repositories = [];
        string? domainFiles = null;
        foreach (var url in nodeUrls)
        {
            var endpoints = await NodeEndpoints.DiscoverAsync(http, url, cancellationToken);
            var registry = endpoints.Registry ?? throw new ReplicationException($"--node {url}: the node lists no registry in /kindling/v1/info");
            await NodeCertificateCheck.CheckAsync(registry, domain, trust, cancellationToken);
            if (endpoints.Files is { Scheme: "https" } files && files.Authority != registry.Authority)
            {
                await NodeCertificateCheck.CheckAsync(files, domain, trust, cancellationToken);
            }

            nodes.Add(new ClientNode(Origin(registry), endpoints.Files is null ? null : Origin(endpoints.Files)));
            if (nodes.Count == 1 && endpoints.Files is { } firstFiles)
            {
                domainFiles = Origin(new UriBuilder(firstFiles) { Host = domain.Name }.Uri);
                if (withRepositories)
                {
                    repositories = await OsRepositoryDiscovery.FindAsync(new ObjectStoreClient(http, firstFiles), cancellationToken);
                }
            }
        }

        if (withRepositories && nodes.Any(n => n.Files is null))
        {
            throw new ReplicationException("a node lists no file store in /kindling/v1/info: OS repositories need every node's files service (port 9000)");
        }

        return new ClientTopology
        {
            Domain = domain,
            Nodes = nodes,
            CaPath = trust.Files.Count == 0 ? null : trust.Files[0],
            CaPem = caFile is null ? null : await File.ReadAllTextAsync(Path.GetFullPath(caFile), cancellationToken),
            DomainFiles = domainFiles,
            Repositories = repositories,
        };
    }

    /// <summary><c>https://172.30.41.193:443/</c> → <c>https://172.30.41.193</c>: scheme, host and a non-default port.</summary>
    internal static string Origin(Uri uri) => uri.GetLeftPart(UriPartial.Authority).TrimEnd('/');
}
