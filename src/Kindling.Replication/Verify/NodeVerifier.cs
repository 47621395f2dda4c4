using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Kindling.Replication.Nodes;

namespace Kindling.Replication.Verify;

/// <summary>
/// <c>kindling verify</c>: the seed's post-switch checks, run against the domain (resolved through the given DNS
/// server, as cluster nodes resolve it) and against each node, then across them: do they serve the same content?
/// </summary>
public static class NodeVerifier
{
    public static async Task<VerifyReport> RunAsync(VerifyOptions options, CancellationToken cancellationToken = default)
    {
        if (options.Domain is null && options.Nodes.Count == 0)
        {
            throw new ReplicationException("nothing to verify: give --domain NAME and/or --node URL");
        }

        var resolved = new ConcurrentDictionary<string, Task<IReadOnlyList<IPAddress>>>(StringComparer.OrdinalIgnoreCase);
        Task<IReadOnlyList<IPAddress>> Resolve(string host, CancellationToken token) =>
            resolved.GetOrAdd(host, h => options.Resolve is { } resolve ? resolve(h, token) : SystemResolveAsync(h, token));

        var certificates = new CertificateLog();
        using var http = NodeHttp.CreateClient(options.Trust, 4, options.Timeout, async (host, token) =>
        {
            if (IPAddress.TryParse(host, out var literal))
            {
                return literal;
            }

            var addresses = await Resolve(host, token);
            return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? (addresses.Count > 0 ? addresses[0] : null);
        }, certificates);

        var checks = new TargetChecks(http, certificates, options);
        var targets = new List<TargetReport>();
        var reached = new List<(string Name, NodeEndpoints Node)>();
        if (options.Domain is { } domain)
        {
            var (report, node) = await CheckDomainAsync(domain, options, checks, Resolve, cancellationToken);
            targets.Add(report);
            if (node is not null)
            {
                reached.Add((report.Name, node));
            }
        }

        foreach (var nodeUrl in options.Nodes)
        {
            var (results, node) = await checks.RunAsync(nodeUrl, cancellationToken);
            var name = node?.Name is { } nodeName && nodeName != nodeUrl.Authority ? $"{nodeUrl.Authority} ({nodeName})" : nodeUrl.Authority;
            targets.Add(new TargetReport(name, nodeUrl.ToString(), IPAddress.TryParse(nodeUrl.Host, out _) ? nodeUrl.Host : null, results));
            if (node is not null)
            {
                reached.Add((name, node));
            }
        }

        var content = reached.Count == 0
            ? new ContentComparison(CheckStatus.Failed, "no target could be reached", new Dictionary<string, string?>(), [])
            : await ContentCompare.RunAsync(http, reached, cancellationToken);
        return new VerifyReport(targets, content);
    }

    /// <summary>
    /// The domain as clients reach it: resolved through the given DNS server (a failed or empty answer is the failed
    /// <c>dns</c> check, and nothing else is tried), then the checks against its URL; the node found there, if any.
    /// </summary>
    private static async Task<(TargetReport Report, NodeEndpoints? Node)> CheckDomainAsync(string domain, VerifyOptions options, TargetChecks checks,
        Func<string, CancellationToken, Task<IReadOnlyList<IPAddress>>> resolve, CancellationToken cancellationToken)
    {
        var url = new Uri(options.Port == 443 ? $"https://{domain}/" : $"https://{domain}:{options.Port}/");
        var name = $"{domain}:{options.Port}";
        IReadOnlyList<IPAddress> addresses;
        try
        {
            addresses = await resolve(domain, cancellationToken);
        }
        catch (Exception e) when (e is ReplicationException or SocketException)
        {
            return (new TargetReport(name, url.ToString(), null, [new CheckResult("dns", CheckStatus.Failed, $"{domain} does not resolve through {options.ResolverDescription}: {e.Message}")]), null);
        }

        if (addresses.Count == 0)
        {
            return (new TargetReport(name, url.ToString(), null, [new CheckResult("dns", CheckStatus.Failed, $"{domain} has no address through {options.ResolverDescription}")]), null);
        }

        var address = string.Join(", ", addresses);
        var dns = new CheckResult("dns", CheckStatus.Ok, $"{domain} resolves to {address} through {options.ResolverDescription}");
        var (results, node) = await checks.RunAsync(url, cancellationToken);
        return (new TargetReport(name, url.ToString(), address, [dns, .. results]), node);
    }

    private static async Task<IReadOnlyList<IPAddress>> SystemResolveAsync(string host, CancellationToken cancellationToken) =>
        await Dns.GetHostAddressesAsync(host, cancellationToken);
}
