using System.Net;
using System.Net.Sockets;

namespace Kindling.Installer.Hosts;

/// <summary>The outcome of resolving a name: its addresses, or why there are none.</summary>
public sealed record Resolution(IReadOnlyList<IPAddress> Addresses, string? Failure)
{
    public bool Resolved => Addresses.Count > 0;

    public static Resolution Of(IEnumerable<IPAddress> addresses) => new(addresses.ToList(), null);

    public static Resolution Failed(string why) => new([], why);
}

/// <summary>Resolves host names: through the system's resolver, or through one DNS server (<c>--dns</c>).</summary>
public interface IHostResolver
{
    string Description { get; }

    Task<Resolution> ResolveAsync(string name, CancellationToken cancellationToken);
}

/// <summary>The machine's resolver (nsswitch: /etc/hosts, then /etc/resolv.conf).</summary>
public sealed class SystemHostResolver : IHostResolver
{
    public string Description => "the system resolver";

    public async Task<Resolution> ResolveAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return Resolution.Of(await System.Net.Dns.GetHostAddressesAsync(name, cancellationToken));
        }
        catch (SocketException e)
        {
            return Resolution.Failed(e.SocketErrorCode == SocketError.HostNotFound ? "no such name" : e.Message);
        }
    }
}
