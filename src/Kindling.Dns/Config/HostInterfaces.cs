using System.Net;
using System.Net.NetworkInformation;

namespace Kindling.Dns.Config;

/// <summary>
/// What BIND's built-in ACLs <c>localhost</c> and <c>localnets</c> stand for: the addresses of this host's interfaces
/// (each as a /32 or /128) and the networks they are on (address and prefix length). BIND reads them from its
/// interface scan; Kindling reads them once per named.conf load (start and every reload).
/// </summary>
public sealed class HostInterfaces
{
    public HostInterfaces(IReadOnlyList<IPNetwork> addresses, IReadOnlyList<IPNetwork> networks)
    {
        Addresses = addresses;
        Networks = networks;
    }

    /// <summary>Only the loopback interface (127.0.0.1/8 and ::1): what a host without other interfaces has.</summary>
    public static HostInterfaces LoopbackOnly { get; } = new(
        [new IPNetwork(IPAddress.Loopback, 32), new IPNetwork(IPAddress.IPv6Loopback, 128)],
        [new IPNetwork(IPAddress.Parse("127.0.0.0"), 8), new IPNetwork(IPAddress.IPv6Loopback, 128)]);

    /// <summary><c>localhost</c>: each interface address.</summary>
    public IReadOnlyList<IPNetwork> Addresses { get; }

    /// <summary><c>localnets</c>: each interface's network.</summary>
    public IReadOnlyList<IPNetwork> Networks { get; }

    /// <summary>Reads the interfaces that are up (or report no state, as <c>lo</c> does on Linux).</summary>
    public static HostInterfaces Scan()
    {
        try
        {
            var unicast = NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown)
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Where(u => !u.Address.IsIPv6LinkLocal)
                .ToList();
            var addresses = unicast.Select(u => new IPNetwork(u.Address, u.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            var networks = unicast.Select(u => Network(u.Address, u.PrefixLength));
            return new HostInterfaces([.. addresses.Distinct()], [.. networks.Distinct()]);
        }
        catch (NetworkInformationException)
        {
            return LoopbackOnly;
        }
    }

    private static IPNetwork Network(IPAddress address, int prefixLength)
    {
        var bytes = address.GetAddressBytes();
        var max = bytes.Length * 8;
        prefixLength = Math.Clamp(prefixLength, 0, max);
        for (var bit = prefixLength; bit < max; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPNetwork(new IPAddress(bytes), prefixLength);
    }
}
