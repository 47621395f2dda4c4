using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Kindling.Config;

namespace Kindling.Installer.Network;

/// <summary>Where the node's IP came from, for the plan and for error messages.</summary>
public enum NodeIpSource
{
    TinderHostIpFlag,
    BootstrapNode,
    DefaultRoute,
}

public sealed record NodeIp(IPAddress Address, NodeIpSource Source)
{
    public string Describe() => Source switch
    {
        NodeIpSource.TinderHostIpFlag => $"{Address} (from -t)",
        NodeIpSource.BootstrapNode => $"{Address} (spec.bootstrapNode)",
        _ => $"{Address} (the interface with the default route)",
    };
}

/// <summary>The addresses of this machine, as the installer needs them.</summary>
public interface INodeNetwork
{
    /// <summary>Unicast addresses of interfaces that are up (loopback included), link-local excluded.</summary>
    IReadOnlyList<IPAddress> LocalAddresses();

    /// <summary>The IPv4 address of the interface holding the default route, or null when there is none.</summary>
    IPAddress? DefaultRouteAddress();
}

/// <summary>Reads the real machine: interfaces from the OS, the default route from /proc/net/route.</summary>
public sealed class SystemNodeNetwork : INodeNetwork
{
    public IReadOnlyList<IPAddress> LocalAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => !a.IsIPv6LinkLocal && !(a.AddressFamily == AddressFamily.InterNetwork && a.GetAddressBytes() is [169, 254, ..]))
            .Distinct()
            .ToList();

    public IPAddress? DefaultRouteAddress()
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/net/route");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // Iface Destination Gateway Flags RefCnt Use Metric Mask ...; the default route has destination and mask 0.
        var route = lines.Skip(1)
            .Select(l => l.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Where(f => f.Length >= 8 && f[1] == "00000000" && f[7] == "00000000")
            .OrderBy(f => int.TryParse(f[6], NumberStyles.Integer, CultureInfo.InvariantCulture, out var metric) ? metric : int.MaxValue)
            .FirstOrDefault();
        if (route is null)
        {
            return null;
        }

        var nic = NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(n => n.Name == route[0]);
        return nic?.GetIPProperties().UnicastAddresses
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
    }
}

/// <summary>Decides the node's IP: <c>-t</c>, else an IP-mode <c>bootstrapNode</c>, else the default route (DCE's rule).</summary>
public static class NodeAddresses
{
    public static NodeIp Resolve(ClusterConfig config, IPAddress? tinderHostIp, INodeNetwork network)
    {
        if (tinderHostIp is not null)
        {
            return new NodeIp(tinderHostIp, NodeIpSource.TinderHostIpFlag);
        }

        if (config.BootstrapNodeIp is { } ip)
        {
            return new NodeIp(ip, NodeIpSource.BootstrapNode);
        }

        var route = network.DefaultRouteAddress()
            ?? throw new InstallerException("cannot determine this node's IP: the machine has no default route (usual when air-gapped); pass the node's IP with -t IP");
        return new NodeIp(route, NodeIpSource.DefaultRoute);
    }

    /// <summary>
    /// True when the address is the node's IP or one of its interfaces' addresses. Other 127.0.0.0/8 addresses are
    /// not counted as local although Linux answers them: on one machine they stand for separate hosts (the demo).
    /// </summary>
    public static bool IsLocal(IPAddress address, NodeIp nodeIp, IEnumerable<IPAddress> localAddresses)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.Equals(nodeIp.Address) || localAddresses.Contains(address);
    }
}
