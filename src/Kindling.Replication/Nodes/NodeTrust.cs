using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Kindling.Replication.Nodes;

/// <summary>
/// Which TLS servers sync and verify accept: with CA files given (<c>--ca</c>, repeatable), exactly those roots
/// (a node's CA is private; the machine's roots are not consulted); without, the system's trust store. The name
/// the client used must always be in the certificate (RFC 6125), so a node is never trusted under a wrong name.
/// </summary>
public sealed class NodeTrust
{
    private NodeTrust(X509Certificate2Collection roots, IReadOnlyList<string> files)
    {
        Roots = roots;
        Files = files;
    }

    public X509Certificate2Collection Roots { get; }

    public IReadOnlyList<string> Files { get; }

    public static NodeTrust SystemRoots { get; } = new([], []);

    /// <summary>Loads PEM CA certificates (several per file allowed); a missing or unreadable file is named.</summary>
    public static NodeTrust FromFiles(IEnumerable<string> caFiles)
    {
        var roots = new X509Certificate2Collection();
        var files = new List<string>();
        foreach (var file in caFiles)
        {
            var path = Path.GetFullPath(file);
            try
            {
                roots.ImportFromPemFile(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new ReplicationException($"CA file {path}: cannot be read as PEM certificates: {e.Message}", e);
            }

            if (roots.Count == 0)
            {
                throw new ReplicationException($"CA file {path}: holds no certificate (expected -----BEGIN CERTIFICATE-----, e.g. DATA/pki/ca.crt)");
            }

            files.Add(path);
        }

        return files.Count == 0 ? SystemRoots : new NodeTrust(roots, files);
    }

    /// <summary>The TLS settings of a client that trusts these roots.</summary>
    public SslClientAuthenticationOptions ClientOptions()
    {
        if (Roots.Count == 0)
        {
            return new SslClientAuthenticationOptions();
        }

        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            // Air-gapped nodes: no CRL or OCSP responder is reachable; the CA is the installation's own.
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.AddRange(Roots);
        return new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
    }
}
