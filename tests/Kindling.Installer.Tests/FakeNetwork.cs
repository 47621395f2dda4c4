using System.Net;
using Kindling.Installer.Hosts;
using Kindling.Installer.Network;

namespace Kindling.Installer.Tests;

/// <summary>A machine with the given addresses, for tests that must not depend on the test host's interfaces.</summary>
internal sealed class FakeNetwork(params string[] addresses) : INodeNetwork
{
    public IReadOnlyList<IPAddress> LocalAddresses() => addresses.Select(IPAddress.Parse).ToList();

    public IPAddress? DefaultRouteAddress() => addresses.Length > 0 ? IPAddress.Parse(addresses[0]) : null;
}

/// <summary>A resolver answering from a table; names not in it do not resolve.</summary>
internal sealed class FakeResolver(Dictionary<string, string[]> table) : IHostResolver
{
    public int Calls { get; private set; }

    public string Description => "the fake resolver";

    public Task<Resolution> ResolveAsync(string name, CancellationToken cancellationToken)
    {
        Calls++;
        return Task.FromResult(table.TryGetValue(name, out var addresses)
            ? Resolution.Of(addresses.Select(IPAddress.Parse))
            : Resolution.Failed("NXDOMAIN"));
    }
}
