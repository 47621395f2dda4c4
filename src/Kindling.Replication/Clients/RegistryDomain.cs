using System.Globalization;
using System.Net;

namespace Kindling.Replication.Clients;

/// <summary>
/// The name clients reach the active node by (<c>www.tinder-node-server.com</c>), with the registry's port when it
/// is not 443 (<c>NAME:PORT</c>, as containerd's <c>certs.d</c> folder and image references name it).
/// </summary>
public sealed record RegistryDomain(string Name, int? Port)
{
    /// <summary><c>NAME</c> or <c>NAME:PORT</c>: the registry host of image references.</summary>
    public string Authority => Port is { } port ? string.Create(CultureInfo.InvariantCulture, $"{Name}:{port}") : Name;

    public override string ToString() => Authority;

    /// <summary>Parses <c>--domain NAME[:PORT]</c>; a scheme or path is refused with what to give instead.</summary>
    public static RegistryDomain Parse(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Contains("://", StringComparison.Ordinal) || trimmed.Contains('/', StringComparison.Ordinal))
        {
            throw new ReplicationException($"--domain '{text}': give the name only, NAME or NAME:PORT (e.g. www.tinder-node-server.com or www.tinder-node-server.com:5443), not a URL");
        }

        var name = trimmed;
        int? port = null;
        var colon = trimmed.LastIndexOf(':');
        if (colon >= 0)
        {
            name = trimmed[..colon];
            if (!int.TryParse(trimmed[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            {
                throw new ReplicationException($"--domain '{text}': '{trimmed[(colon + 1)..]}' is not a TCP port (1-65535)");
            }

            port = p == 443 ? null : p;
        }

        if (name.Length == 0 || name.Length > 253 || IPAddress.TryParse(name, out _) && !name.Contains('.', StringComparison.Ordinal)
            || !name.Split('.').All(label => label.Length is > 0 and <= 63 && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && label[0] != '-' && label[^1] != '-'))
        {
            throw new ReplicationException($"--domain '{text}': '{name}' is not a host name (letters, digits and '-' in dot-separated labels)");
        }

        return new RegistryDomain(name.ToLowerInvariant(), port);
    }
}
