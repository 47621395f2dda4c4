namespace Kindling.Health.Failover;

/// <summary>
/// The <c>peers:</c> section of a failover file: the other Kindling DNS instances (or <c>kindling failover</c>
/// controllers) of the same installation, each by its <c>--http</c> endpoint, and the shared secret that
/// authenticates their views (HMAC-SHA256). The same file is deployed on every instance; the instance's own entry
/// (<see cref="Self"/>, or the entry equal to its <c>--http</c> address) is skipped.
/// </summary>
public sealed record PeersSpec
{
    /// <summary>The shortest secret accepted (bytes): HMAC-SHA256 wants a key as long as its output.</summary>
    public const int MinSecretBytes = 32;

    /// <summary>Absolute path of the file holding the shared secret.</summary>
    public required string SecretFile { get; init; }

    /// <summary>The secret's bytes (the file's content without trailing white space).</summary>
    public required ReadOnlyMemory<byte> Secret { get; init; }

    /// <summary>PEM file of the CA that issued the peers' certificates (https peer URLs); null uses the system trust store.</summary>
    public string? CaFile { get; init; }

    /// <summary>This instance's own URL; null: the entry of <see cref="Urls"/> equal to the process's <c>--http</c> address.</summary>
    public Uri? Self { get; init; }

    /// <summary>Every instance's <c>--http</c> endpoint (http or https, no path), this one included.</summary>
    public required IReadOnlyList<Uri> Urls { get; init; }
}
