using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kindling.Installer.Pki;

/// <summary>
/// The certificate files of a node's data folder:
/// <code>
/// DIR/pki/
///   ca.crt       the installation's root CA (PEM)
///   ca.key       its private key (PKCS#8 PEM, 0600); absent on a node that only trusts the CA
///   server.crt   the node's TLS certificate (PEM)
///   server.key   its private key (PKCS#8 PEM, 0600)
/// </code>
/// </summary>
public sealed record NodeCertificateFiles(string PkiDirectory)
{
    public string CaCertificatePath => Path.Combine(PkiDirectory, "ca.crt");
    public string CaKeyPath => Path.Combine(PkiDirectory, "ca.key");
    public string ServerCertificatePath => Path.Combine(PkiDirectory, "server.crt");
    public string ServerKeyPath => Path.Combine(PkiDirectory, "server.key");

    public bool CaCreated { get; init; }
    public bool CaImported { get; init; }
    public bool ServerIssued { get; init; }
    public IReadOnlyList<string> SubjectAltNames { get; init; } = [];

    public static NodeCertificateFiles For(string dataDir) => new(Path.Combine(Path.GetFullPath(dataDir), "pki"));

    /// <summary>The server certificate with its private key, ready for Kestrel.</summary>
    public X509Certificate2 LoadServerCertificate()
    {
        if (!File.Exists(ServerCertificatePath) || !File.Exists(ServerKeyPath))
        {
            throw new PkiException($"{PkiDirectory}: no server certificate; run 'kindling cert issue' or 'kindling cluster-create -j 2'");
        }

        using var pem = X509Certificate2.CreateFromPemFile(ServerCertificatePath, ServerKeyPath);

        // Round-trip through PKCS#12 so the key is usable by TLS on every platform.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    public X509Certificate2 LoadCaCertificate() => CertificateAuthority.LoadCertificate(CaCertificatePath);
}

/// <summary>Creates or reuses a node's CA and server certificate; every write is atomic and keys are 0600.</summary>
public static class NodeCertificates
{
    /// <summary>
    /// Ensures <c>DIR/pki</c> holds a CA and a server certificate for <paramref name="subjectAltNames"/>.
    /// The CA is created when none exists, or imported from <paramref name="caFromDir"/> (a folder written by
    /// <c>kindling ca export --with-key --out</c>, or another node's data folder). An existing server certificate is
    /// kept when it was issued by the CA for the same names and is not about to expire; otherwise it is re-issued.
    /// </summary>
    public static NodeCertificateFiles Ensure(string dataDir, IReadOnlyList<string> subjectAltNames, string? caFromDir, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var files = NodeCertificateFiles.For(dataDir);
        Directory.CreateDirectory(files.PkiDirectory);
        var names = SubjectAltNames.Normalize(subjectAltNames);

        var (ca, created, imported) = EnsureCa(files, caFromDir, time);
        using (ca)
        {
            var issued = false;
            if (!ServerCertificateIsCurrent(files, ca, names, time))
            {
                var (certificate, key) = ServerCertificate.Issue(ca, names, time);
                using (certificate)
                using (key)
                {
                    // Key first, then certificate: a reader that sees the new certificate also finds its key.
                    DurableFile.WriteAllText(files.ServerKeyPath, key.ExportPkcs8PrivateKeyPem() + "\n", DurableFile.OwnerOnly);
                    DurableFile.WriteAllText(files.ServerCertificatePath, certificate.ExportCertificatePem() + "\n");
                }

                issued = true;
            }

            return files with { CaCreated = created, CaImported = imported, ServerIssued = issued, SubjectAltNames = names };
        }
    }

    /// <summary>Writes the CA certificate and key into a folder that <c>--ca-from</c> accepts.</summary>
    public static void ExportCa(string dataDir, string outDir, bool withKey)
    {
        var files = NodeCertificateFiles.For(dataDir);
        if (!File.Exists(files.CaCertificatePath))
        {
            throw new PkiException($"{files.CaCertificatePath}: no CA in this data folder; run 'kindling cert issue' first");
        }

        Directory.CreateDirectory(outDir);
        if (withKey)
        {
            if (!File.Exists(files.CaKeyPath))
            {
                throw new PkiException($"{files.CaKeyPath}: this node holds only the CA certificate, not its key");
            }

            using var ca = CertificateAuthority.Load(files.CaCertificatePath, files.CaKeyPath);
            DurableFile.WriteAllText(Path.Combine(outDir, "ca.key"), ca.KeyPem(), DurableFile.OwnerOnly);
        }

        DurableFile.WriteAllText(Path.Combine(outDir, "ca.crt"), File.ReadAllText(files.CaCertificatePath));
    }

    private static (CertificateAuthority Ca, bool Created, bool Imported) EnsureCa(NodeCertificateFiles files, string? caFromDir, TimeProvider time)
    {
        var haveCa = File.Exists(files.CaCertificatePath);
        if (caFromDir is not null)
        {
            var (certPath, keyPath) = LocateExportedCa(caFromDir);
            var source = CertificateAuthority.Load(certPath, keyPath);
            if (haveCa)
            {
                using var existing = CertificateAuthority.LoadCertificate(files.CaCertificatePath);
                if (!existing.RawData.AsSpan().SequenceEqual(source.Certificate.RawData))
                {
                    var message = $"{files.CaCertificatePath} is a different CA ({existing.Subject}, {existing.Thumbprint}) from {certPath} ({source.Certificate.Subject}, {source.Certificate.Thumbprint}); " +
                        $"refusing to replace it. To start over with the imported CA, remove {files.PkiDirectory}.";
                    source.Dispose();
                    throw new PkiException(message);
                }

                if (!File.Exists(files.CaKeyPath))
                {
                    DurableFile.WriteAllText(files.CaKeyPath, source.KeyPem(), DurableFile.OwnerOnly);
                }

                return (source, false, false);
            }

            DurableFile.WriteAllText(files.CaKeyPath, source.KeyPem(), DurableFile.OwnerOnly);
            DurableFile.WriteAllText(files.CaCertificatePath, source.CertificatePem());
            return (source, false, true);
        }

        if (haveCa)
        {
            if (!File.Exists(files.CaKeyPath))
            {
                throw new PkiException($"{files.CaKeyPath}: missing; the CA key is needed to issue the server certificate. Import it with --ca-from DIR (see 'kindling ca export --with-key').");
            }

            return (CertificateAuthority.Load(files.CaCertificatePath, files.CaKeyPath), false, false);
        }

        var ca = CertificateAuthority.Create($"Kindling CA {Environment.MachineName} {time.GetUtcNow():yyyy-MM-dd}", time);
        DurableFile.WriteAllText(files.CaKeyPath, ca.KeyPem(), DurableFile.OwnerOnly);
        DurableFile.WriteAllText(files.CaCertificatePath, ca.CertificatePem());
        return (ca, true, false);
    }

    /// <summary>Accepts the folder written by <c>ca export --with-key --out</c>, a data folder, or its pki folder.</summary>
    private static (string Cert, string Key) LocateExportedCa(string dir)
    {
        foreach (var candidate in new[] { dir, Path.Combine(dir, "pki") })
        {
            var cert = Path.Combine(candidate, "ca.crt");
            var key = Path.Combine(candidate, "ca.key");
            if (File.Exists(cert) && File.Exists(key))
            {
                return (cert, key);
            }
        }

        throw new PkiException($"--ca-from {dir}: no ca.crt and ca.key found there (nor in {Path.Combine(dir, "pki")}); create them on the primary with 'kindling ca export --data DIR --with-key --out {dir}'");
    }

    private static bool ServerCertificateIsCurrent(NodeCertificateFiles files, CertificateAuthority ca, IReadOnlyList<string> names, TimeProvider time)
    {
        if (!File.Exists(files.ServerCertificatePath) || !File.Exists(files.ServerKeyPath))
        {
            return false;
        }

        try
        {
            using var existing = X509Certificate2.CreateFromPemFile(files.ServerCertificatePath, files.ServerKeyPath);
            using var caKey = ca.Certificate.GetECDsaPublicKey();
            var signedByCa = existing.IssuerName.RawData.AsSpan().SequenceEqual(ca.Certificate.SubjectName.RawData)
                && caKey is not null
                && VerifySignature(existing, ca.Certificate);
            return signedByCa
                && existing.NotAfter.ToUniversalTime() > time.GetUtcNow().UtcDateTime.AddDays(30)
                && ServerCertificate.SameNames(ServerCertificate.ReadSubjectAltNames(existing), names);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static bool VerifySignature(X509Certificate2 certificate, X509Certificate2 issuer)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(issuer);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        return chain.Build(certificate);
    }
}
