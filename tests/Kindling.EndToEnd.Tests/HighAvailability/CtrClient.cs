using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.HighAvailability;

/// <summary>
/// A containerd daemon and the <see cref="CtrLoad"/> pulling through it, ended together: the load first, then the
/// daemon.
/// </summary>
internal sealed class CtrClient(ContainerdDaemon containerd, CtrLoad load) : IAsyncDisposable
{
    public ContainerdDaemon Containerd { get; } = containerd;

    public CtrLoad Load { get; } = load;

    public void Deconstruct(out ContainerdDaemon daemon, out CtrLoad pulls) => (daemon, pulls) = (Containerd, Load);

    public async ValueTask DisposeAsync()
    {
        await Load.DisposeAsync();
        Containerd.Dispose();
    }
}
