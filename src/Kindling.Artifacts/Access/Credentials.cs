using System.Security.Cryptography;

namespace Kindling.Artifacts.Access;

/// <summary>
/// The users allowed to write (push, upload, delete): an htpasswd file of bcrypt hashes (the format the
/// Distribution registry and nginx read), checked for HTTP Basic authentication (RFC 7617). bcrypt is slow on
/// purpose: the server checks through <see cref="LoginGate"/>, which bounds its cost and remembers the outcome.
/// </summary>
public sealed class Credentials
{
    public const string AdminUser = "admin";
    public const string HtpasswdFile = "htpasswd";
    public const string AdminCredentialsFile = "admin-credentials";

    private readonly IReadOnlyDictionary<string, string> _hashes;
    private readonly IReadOnlyDictionary<string, string> _secrets;

    private Credentials(IReadOnlyDictionary<string, string> hashes, IReadOnlyDictionary<string, string>? secrets = null)
    {
        _hashes = hashes;
        _secrets = secrets ?? new Dictionary<string, string>();
    }

    /// <summary>
    /// The plain secret of a user, for AWS Signature V4 (which needs the shared secret, not a hash): only the admin,
    /// read from the 0600 <c>admin-credentials</c> file.
    /// </summary>
    public string? SecretFor(string user) => _secrets.GetValueOrDefault(user);

    /// <summary>Loads the htpasswd file and, when present, the admin's plain password for Signature V4.</summary>
    public static Credentials Load(string htpasswdPath, string? adminCredentialsPath)
    {
        var loaded = Load(htpasswdPath);
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        if (adminCredentialsPath is not null && File.Exists(adminCredentialsPath))
        {
            var line = File.ReadAllText(adminCredentialsPath).Trim();
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && loaded.Check(line[..colon], line[(colon + 1)..]))
            {
                secrets[line[..colon]] = line[(colon + 1)..];
            }
        }

        return new Credentials(loaded._hashes, secrets);
    }

    public IEnumerable<string> Users => _hashes.Keys;

    /// <summary>Reads <c>user:bcrypt-hash</c> lines; errors name the file and line.</summary>
    public static Credentials Load(string htpasswdPath)
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in File.ReadLines(htpasswdPath))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line) || line.StartsWith('#'))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var hash = colon > 0 ? line[(colon + 1)..].Trim() : "";
            if (!hash.StartsWith("$2", StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{htpasswdPath}:{lineNumber}: expected 'user:<bcrypt hash>' (create one with htpasswd -B)");
            }

            hashes[line[..colon]] = hash;
        }

        return new Credentials(hashes);
    }

    public static Credentials FromHashes(IReadOnlyDictionary<string, string> hashes) => new(hashes);

    /// <summary>
    /// Creates the admin user in a data folder that has none: <c>admin-credentials</c> (<c>admin:password</c>, for
    /// the operator) and <c>htpasswd</c> (the bcrypt hash the server checks), both mode 0600. Returns the
    /// password, or null when the folder already has credentials.
    /// </summary>
    public static string? EnsureAdmin(string dataDirectory, string tempDirectory)
    {
        var htpasswd = Path.Combine(dataDirectory, HtpasswdFile);
        if (File.Exists(htpasswd))
        {
            return null;
        }

        var password = GeneratePassword();
        var hash = BCrypt.Net.BCrypt.HashPassword(password, workFactor: 11);
        WritePrivate(tempDirectory, Path.Combine(dataDirectory, AdminCredentialsFile), $"{AdminUser}:{password}\n");
        WritePrivate(tempDirectory, htpasswd, $"{AdminUser}:{hash}\n");
        return password;
    }

    public bool HasUser(string user) => _hashes.ContainsKey(user);

    /// <summary>
    /// True when <paramref name="user"/> exists and <paramref name="password"/> matches its hash: one bcrypt
    /// verification (about 150 ms of CPU at cost 11) each call. Network input goes through <see cref="LoginGate"/>.
    /// </summary>
    public bool Check(string user, string password) => _hashes.TryGetValue(user, out var hash) && BCrypt.Net.BCrypt.Verify(password, hash);

    internal bool Verify(string user, string password) => Check(user, password);

    /// <summary>24 characters from a 62-letter alphabet: about 143 bits.</summary>
    private static string GeneratePassword()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return RandomNumberGenerator.GetString(alphabet, 24);
    }

    private static void WritePrivate(string tempDirectory, string path, string content) =>
        DurableFile.WriteAllText(path, content, DurableFile.OwnerOnly, tempDirectory);
}
