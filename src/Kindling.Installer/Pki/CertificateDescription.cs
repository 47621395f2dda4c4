using System.Security.Cryptography.X509Certificates;

namespace Kindling.Installer.Pki;

/// <summary>What <c>kindling cert show</c> prints about a certificate.</summary>
public sealed record CertificateDescription(string Subject, string Issuer, IReadOnlyList<string> SubjectAltNames, DateTime NotBefore, DateTime NotAfter, string Sha256Fingerprint)
{
    public static CertificateDescription Of(X509Certificate2 certificate) => new(
        certificate.Subject,
        certificate.Issuer,
        ServerCertificate.ReadSubjectAltNames(certificate),
        certificate.NotBefore.ToUniversalTime(),
        certificate.NotAfter.ToUniversalTime(),
        Convert.ToHexString(certificate.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256)));
}
