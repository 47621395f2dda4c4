using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kindling.Testing;

/// <summary>
/// The one throwaway CA of the tests (ECDSA P-256, as the installer's PKI): server certificates it issues for real
/// TLS listeners, its certificate as PEM or as a folder holding only <c>ca.crt</c> (what skopeo's <c>--cert-dir</c> and
/// containerd's hosts.toml take), and an <see cref="HttpClient"/> that trusts exactly it. <see cref="Shared"/> is one
/// CA per test process with <see cref="LocalNode"/>, a certificate for the test node's names.
/// </summary>
public sealed class TestPki
{
    private static readonly Lazy<TestPki> SharedPki = new(() => new TestPki());

    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly Lazy<string> _caDirectory;
    private readonly Lazy<X509Certificate2> _localNode;

    public TestPki(string name = "Kindling Test CA")
    {
        var request = new CertificateRequest($"CN={name}", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        _caDirectory = new Lazy<string>(WriteCaDirectory);
        _localNode = new Lazy<X509Certificate2>(() => Issue([IPAddress.Loopback, IPAddress.Parse("127.0.41.193")], "localhost", "www.tinder-node-server.com"));
    }

    /// <summary>One CA for the whole test process.</summary>
    public static TestPki Shared => SharedPki.Value;

    public X509Certificate2 Ca { get; }

    public string CaPem => Ca.ExportCertificatePem();

    /// <summary>A folder holding only <c>ca.crt</c>, removed when the process exits.</summary>
    public string CaDirectory => _caDirectory.Value;

    /// <summary>The CA certificate's file (PEM), inside <see cref="CaDirectory"/>.</summary>
    public string CaFile => Path.Combine(CaDirectory, "ca.crt");

    /// <summary>A server certificate for the test node: 127.0.0.1, 127.0.41.193, localhost and www.tinder-node-server.com.</summary>
    public X509Certificate2 LocalNode => _localNode.Value;

    /// <summary>A server certificate for the given IP addresses and DNS names, with its private key.</summary>
    public X509Certificate2 Issue(IEnumerable<IPAddress> addresses, params string[] dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=kindling-test-node", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var address in addresses)
        {
            san.AddIpAddress(address);
        }

        foreach (var dns in dnsNames)
        {
            san.AddDnsName(dns);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var issued = request.Create(Ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        // Round-trip through PKCS#12 so the key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>An HttpClient that trusts exactly this CA.</summary>
    public HttpClient CreateClient()
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
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
                        && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == 0;
                },
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(2) };
    }

    private string WriteCaDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("kindling-test-ca").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);
        File.WriteAllText(Path.Combine(directory, "ca.crt"), CaPem);
        return directory;
    }
}
