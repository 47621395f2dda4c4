using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kindling.Installer.Pki;

/// <summary>
/// The installation's root CA (ECDSA P-256, RFC 5280 basic constraints CA:true, pathlen 0). Created once on the
/// primary; exported with its key and imported on the backup so both nodes chain to one root.
/// </summary>
internal sealed class CertificateAuthority : IDisposable
{
    private CertificateAuthority(X509Certificate2 certificate, ECDsa key)
    {
        Certificate = certificate;
        Key = key;
    }

    public X509Certificate2 Certificate { get; }

    public ECDsa Key { get; }

    public static CertificateAuthority Create(string commonName, TimeProvider time)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(commonName)}, O=Kindling"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = time.GetUtcNow();

        // The root outlives every server certificate it signs (10 years) with room for re-issuing.
        var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(20));
        return new CertificateAuthority(certificate, key);
    }

    public static CertificateAuthority Load(string certificatePath, string keyPath)
    {
        var certificate = X509CertificateLoader.LoadCertificate(PemBytes(certificatePath, "CERTIFICATE"));
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(keyPath));
        }
        catch (ArgumentException e)
        {
            key.Dispose();
            throw new PkiException($"{keyPath}: not an ECDSA private key in PEM form ({e.Message})");
        }

        using var publicKey = certificate.GetECDsaPublicKey()
            ?? throw new PkiException($"{certificatePath}: the CA certificate does not hold an ECDSA key");
        if (!publicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
        {
            key.Dispose();
            throw new PkiException($"{keyPath} does not belong to {certificatePath}: the key and the CA certificate differ");
        }

        if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
        {
            key.Dispose();
            throw new PkiException($"{certificatePath}: not a CA certificate (basic constraints CA:true missing)");
        }

        return new CertificateAuthority(certificate, key);
    }

    /// <summary>Loads only the certificate (for trust), e.g. from an exported ca.crt.</summary>
    public static X509Certificate2 LoadCertificate(string certificatePath) =>
        X509CertificateLoader.LoadCertificate(PemBytes(certificatePath, "CERTIFICATE"));

    public string CertificatePem() => Certificate.ExportCertificatePem() + "\n";

    public string KeyPem() => Key.ExportPkcs8PrivateKeyPem() + "\n";

    public void Dispose()
    {
        Certificate.Dispose();
        Key.Dispose();
    }

    internal static byte[] PemBytes(string path, string label)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            throw new PkiException($"{path}: no such file");
        }

        var fields = PemEncoding.TryFind(text, out var found) ? found : throw new PkiException($"{path}: no PEM block found; expected -----BEGIN {label}-----");
        if (!text[fields.Label].Equals(label, StringComparison.Ordinal))
        {
            throw new PkiException($"{path}: the first PEM block is {text[fields.Label]}, expected {label}");
        }

        return Convert.FromBase64String(text[fields.Base64Data]);
    }

    private static string Escape(string value) => value.Replace(",", "\\,", StringComparison.Ordinal).Replace("=", "\\=", StringComparison.Ordinal);
}

/// <summary>A certificate or key problem the operator must fix; the message names the file.</summary>
public sealed class PkiException : Exception
{
    public PkiException(string message)
        : base(message)
    {
    }

    public PkiException()
    {
    }

    public PkiException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
