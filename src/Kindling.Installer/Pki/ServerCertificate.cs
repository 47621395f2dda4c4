using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kindling.Config;

namespace Kindling.Installer.Pki;

/// <summary>Issues the bootstrap node's TLS certificate: ECDSA P-256, valid 10 years, serverAuth, SANs as given.</summary>
internal static class ServerCertificate
{
    public static readonly TimeSpan Validity = TimeSpan.FromDays(3653);

    public static (X509Certificate2 Certificate, ECDsa Key) Issue(CertificateAuthority ca, IReadOnlyList<string> subjectAltNames, TimeProvider time)
    {
        if (subjectAltNames.Count == 0)
        {
            throw new ArgumentException("a server certificate needs at least one name", nameof(subjectAltNames));
        }

        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={subjectAltNames[0]}, O=Kindling"), key, HashAlgorithmName.SHA256);
        var sans = new SubjectAlternativeNameBuilder();
        foreach (var name in subjectAltNames)
        {
            if (NetworkNames.TryParseIp(name, out var ip))
            {
                sans.AddIpAddress(ip);
            }
            else
            {
                sans.AddDnsName(name);
            }
        }

        request.CertificateExtensions.Add(sans.Build(critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca.Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));

        var now = time.GetUtcNow();
        var notAfter = now.Add(Validity);
        if (notAfter > ca.Certificate.NotAfter)
        {
            notAfter = ca.Certificate.NotAfter;
        }

        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F; // positive, as RFC 5280 §4.1.2.2 requires
        using var signed = request.Create(ca.Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(ca.Key), now.AddMinutes(-5), notAfter, serial);
        return (X509CertificateLoader.LoadCertificate(signed.RawData), key);
    }

    /// <summary>The DNS names and IP addresses of a certificate's subjectAltName extension, IPs in canonical form.</summary>
    public static IReadOnlyList<string> ReadSubjectAltNames(X509Certificate2 certificate)
    {
        var result = new List<string>();
        foreach (var ext in certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            result.AddRange(ext.EnumerateDnsNames());
            result.AddRange(ext.EnumerateIPAddresses().Select(ip => ip.ToString()));
        }

        return result;
    }

    public static bool SameNames(IEnumerable<string> a, IEnumerable<string> b) =>
        SubjectAltNames.Normalize(a).Select(Key).ToHashSet(StringComparer.OrdinalIgnoreCase)
            .SetEquals(SubjectAltNames.Normalize(b).Select(Key));

    private static string Key(string name) => IPAddress.TryParse(name, out var ip) ? ip.ToString() : name.ToLowerInvariant();
}
