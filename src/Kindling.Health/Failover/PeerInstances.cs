using System.Net;

namespace Kindling.Health.Failover;

/// <summary>
/// The DNS instances of an installation as the failover file's <c>peers:</c> names them: the host of each peer URL,
/// which is the address the instance's <c>--http</c> and its DNS listen on (for <c>kindling client-config --format
/// resolv --failover FILE</c>).
/// </summary>
public static class PeerInstances
{
    /// <exception cref="ArgumentException">No <c>peers:</c>, or a peer URL whose host is not an IP address; the message says which.</exception>
    public static IReadOnlyList<IPAddress> Addresses(FailoverFile file, string path)
    {
        var peers = file.Peers ?? throw new ArgumentException($"{path}: has no peers: section, so it names no DNS instances; give them with --dns ADDR instead");
        var addresses = new List<IPAddress>();
        for (var i = 0; i < peers.Urls.Count; i++)
        {
            var url = peers.Urls[i];
            if (!IPAddress.TryParse(url.Host.Trim('[', ']'), out var address))
            {
                throw new ArgumentException($"{path}: peers.urls[{i}]: {url} names a host, not an address; resolv.conf needs the instance's IP address (give --dns ADDR)");
            }

            if (!addresses.Contains(address))
            {
                addresses.Add(address);
            }
        }

        return addresses;
    }
}
