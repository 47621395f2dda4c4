using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kindling.Artifacts.Http.Tests.Support;

/// <summary>A CA and a server certificate for 127.0.0.1/localhost, made per test run (the Installer's PKI does this for real).</summary>
internal sealed class TestCertificates
{
    private static readonly Lazy<TestCertificates> Shared = new(() => new TestCertificates());

    private TestCertificates()
    {
        var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Kindling Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        Ca = caRequest.CreateSelfSigned(now, now.AddDays(7));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=kindling-test-node", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.Parse("127.0.41.193"));
        names.AddDnsName("localhost");
        names.AddDnsName("www.tinder-node-server.com");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var issued = request.Create(Ca, now, now.AddDays(7), serial);
        using var withKey = issued.CopyWithPrivateKey(serverKey);
        // Round-trip through PKCS#12 so the key is usable by SslStream on every platform.
        Server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);

        CaDirectory = Directory.CreateTempSubdirectory("kindling-test-ca").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(CaDirectory, recursive: true);
        CaFile = Path.Combine(CaDirectory, "ca.crt");
        File.WriteAllText(CaFile, Ca.ExportCertificatePem());
    }

    public static TestCertificates Instance => Shared.Value;

    public X509Certificate2 Ca { get; }
    public X509Certificate2 Server { get; }

    /// <summary>A folder holding only <c>ca.crt</c>: what skopeo's --dest-cert-dir and containerd's hosts.toml take.</summary>
    public string CaDirectory { get; }

    public string CaFile { get; }

    /// <summary>An HttpClient that trusts exactly the test CA.</summary>
    public HttpClient CreateClient()
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(Ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(certificate))
                        && (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors) == 0;
                },
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(2) };
    }
}
