using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Kindling.Replication.Nodes;

namespace Kindling.Replication.Clients;

/// <summary>
/// Before a configuration sends clients to a node by address, checks that the node's certificate is issued by the
/// CA and names both that address and the domain (RFC 6125): a client falling back to the node by IP, or reaching
/// it through the domain, must not meet a name mismatch at the worst moment.
/// </summary>
internal static class NodeCertificateCheck
{
    public static async Task CheckAsync(Uri node, RegistryDomain domain, NodeTrust trust, CancellationToken cancellationToken)
    {
        X509Certificate2? seen = null;
        var chainProblem = (string?)null;
        using var tcp = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await tcp.ConnectAsync(node.Host, node.Port, timeout.Token);
            var options = trust.ClientOptions();
            options.TargetHost = node.Host;
            options.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                seen = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
                {
                    chainProblem = chain is null ? "chain errors"
                        : string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
                }

                return true; // judged below, with a message naming what is wrong
            };
            await using var tls = new SslStream(tcp.GetStream());
            await tls.AuthenticateAsClientAsync(options, timeout.Token);
        }
        catch (Exception e) when (e is SocketException or IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new ReplicationException($"--node {node}: cannot open a TLS connection to {node.Host}:{node.Port}: {e.Message}", e);
        }

        using var certificate = seen ?? throw new ReplicationException($"--node {node}: the node sent no certificate");
        var names = Names(certificate);
        if (chainProblem is not null)
        {
            throw new ReplicationException($"--node {node}: its certificate (issuer {certificate.Issuer}) is not issued by "
                + (trust.Files.Count == 0 ? "a CA the system trusts" : $"the CA in {string.Join(", ", trust.Files)}") + $" ({chainProblem}): give the nodes' CA with --ca DATA/pki/ca.crt");
        }

        foreach (var (name, how) in new[] { (node.Host, "by address, its fallback entry"), (domain.Name, "through the domain") })
        {
            if (!certificate.MatchesHostname(name.Trim('[', ']')))
            {
                throw new ReplicationException($"--node {node}: its certificate does not name {name}, which clients would reach it by ({how}); it names {string.Join(", ", names)}. "
                    + "Re-issue it with that name (kindling cert issue, ClusterConfig additionalSSLSubjectAltName) or give the node by a name it carries");
            }
        }
    }

    private static List<string> Names(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        return extension is null ? [certificate.GetNameInfo(X509NameType.SimpleName, false)] : [.. extension.EnumerateDnsNames(), .. extension.EnumerateIPAddresses().Select(a => a.ToString())];
    }
}
