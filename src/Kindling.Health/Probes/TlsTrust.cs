using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Kindling.Health.Probes;

/// <summary>TLS client settings that trust exactly the given CA certificates (the Kindling CA or a given file).</summary>
internal static class TlsTrust
{
    public static SslClientAuthenticationOptions Trusting(X509Certificate2Collection cas)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            // Air-gapped: no CRL or OCSP responder is reachable; the CA is ours.
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.AddRange(cas);
        return new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
    }
}
