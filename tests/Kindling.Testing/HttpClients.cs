using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Kindling.Testing;

/// <summary>HttpClients for tests that trust exactly one CA file (a node's ca.crt), never the machine's roots.</summary>
public static class HttpClients
{
    public static HttpClient Trusting(string caFile, TimeSpan? timeout = null)
    {
        var root = X509CertificateLoader.LoadCertificateFromFile(caFile);
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(root);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(certificate));
                },
            },
        };
        return new HttpClient(handler) { Timeout = timeout ?? TimeSpan.FromSeconds(10) };
    }
}
