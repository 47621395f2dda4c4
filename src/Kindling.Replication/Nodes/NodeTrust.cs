using System.Net.Security;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;

namespace Kindling.Replication.Nodes;

/// <summary>
/// Which TLS servers sync and verify accept: with CA files given (<c>--ca</c>, repeatable), exactly those roots
/// (a node's CA is private; the machine's roots are not consulted); without, the system's trust store. The name
/// the client used must always be in the certificate (RFC 6125), so a node is never trusted under a wrong name.
/// </summary>
public sealed partial class NodeTrust
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

    /// <summary>
    /// For a short-lived process (sync, verify) whose every connection trusts only these roots: tells .NET's chain
    /// builder not to read the machine's trust store. It reads it (SSL_CERT_FILE and every file in SSL_CERT_DIR, about
    /// 140 roots on Debian, 0.1 s) on the first handshake even under <see cref="X509ChainTrustMode.CustomRootTrust"/>,
    /// where nothing in it is used. Does nothing when no roots were given (the system store is the trust then).
    /// </summary>
    public void OnlyTrustTheseInThisProcess()
    {
        if (Roots.Count == 0)
        {
            return;
        }

        // .NET finds the store through OpenSSL's own lookup (getenv in native code), so the variables are set in the
        // C environment; once, before the first handshake, while no other thread of ours reads the environment.
        // A failure is harmless: the store is then read and ignored.
        _ = SetEnv("SSL_CERT_FILE", "/dev/null", 1);
        _ = SetEnv("SSL_CERT_DIR", "/nonexistent/kindling-trusts-only-its-ca-files", 1);
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    /// <summary>
    /// The TLS settings of a client that trusts these roots and checks the name (RFC 6125); when
    /// <paramref name="log"/> is given, every server certificate seen is recorded with what was wrong with it.
    /// </summary>
    public SslClientAuthenticationOptions ClientOptions(CertificateLog? log = null)
    {
        var options = new SslClientAuthenticationOptions();
        if (Roots.Count > 0)
        {
            // TLS builds the chain against these roots only (never loading the system store).
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                // Air-gapped nodes: no CRL or OCSP responder is reachable; the CA is the installation's own.
                RevocationMode = X509RevocationMode.NoCheck,
                DisableCertificateDownloads = true,
            };
            policy.CustomTrustStore.AddRange(Roots);
            options.CertificateChainPolicy = policy;
        }

        if (log is not null)
        {
            options.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
            {
                var host = (sender as SslStream)?.TargetHostName ?? "";
                var chainProblem = (errors & SslPolicyErrors.RemoteCertificateChainErrors) == 0 || chain is null ? null
                    : string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
                log.Record(host, certificate as X509Certificate2 ?? (certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData())),
                    errors, chainProblem);
                return errors == SslPolicyErrors.None;
            };
        }

        return options;
    }
}

/// <summary>The server certificates a client met, by the host name it asked for, with what was wrong with each.</summary>
public sealed class CertificateLog
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, CertificateSeen> _seen = new(StringComparer.OrdinalIgnoreCase);

    public void Record(string host, X509Certificate2? certificate, SslPolicyErrors errors, string? chainProblem) =>
        _seen[host] = new CertificateSeen(host, certificate?.Subject, certificate?.Issuer, certificate?.NotAfter,
            certificate is null ? [] : SubjectAltNames(certificate), errors, chainProblem);

    public CertificateSeen? Find(string host) => _seen.GetValueOrDefault(host);

    private static List<string> SubjectAltNames(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        return extension is null ? [] : [.. extension.EnumerateDnsNames(), .. extension.EnumerateIPAddresses().Select(a => a.ToString())];
    }
}

/// <summary>One server certificate as met: its names, issuer, expiry, and the problems found (none when trusted).</summary>
public sealed record CertificateSeen(string Host, string? Subject, string? Issuer, DateTime? NotAfter, IReadOnlyList<string> Names,
    SslPolicyErrors Errors, string? ChainProblem)
{
    public bool Valid => Errors == SslPolicyErrors.None;

    public string Describe()
    {
        if (Valid)
        {
            return $"valid for {Host} (issued by {Issuer}, expires {NotAfter:yyyy-MM-dd})";
        }

        var problems = new List<string>();
        if ((Errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            problems.Add($"not valid for the name {Host} (it names {string.Join(", ", Names)})");
        }

        if ((Errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            problems.Add($"not issued by a trusted CA ({ChainProblem ?? "chain errors"}; issuer {Issuer}): give the node's CA with --ca");
        }

        if ((Errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            problems.Add("no certificate sent");
        }

        return string.Join("; ", problems);
    }
}
