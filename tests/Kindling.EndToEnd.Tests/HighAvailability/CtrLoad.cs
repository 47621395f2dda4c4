using System.Diagnostics;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.HighAvailability;

/// <summary>
/// containerd pulling one image through the domain in a loop, from the client's namespace, configured only by the
/// <c>hosts.toml</c> that <c>kindling client-config</c> wrote: each round forgets the image and its blobs, fetches
/// everything again (<c>ctr content fetch</c>: containerd checks every blob's digest as it commits it) and compares
/// the manifest digest containerd recorded with the package's.
/// </summary>
internal sealed class CtrLoad(NetworkLab lab, string host, Stopwatch clock, ContainerdDaemon containerd, string hostsDir, string reference, string digest)
    : ClientLoop(lab, host, clock)
{
    /// <summary>The pulls done so far (<see cref="ClientLoop.Requests"/>).</summary>
    public IReadOnlyList<ClientRequest> Pulls => Requests;

    public void Start() => StartLoop();

    protected override async Task LoopAsync()
    {
        while (!Stopping)
        {
            await containerd.ForgetAsync(reference);
            var start = Now;
            var result = await RunAsync(containerd.Ctr, containerd.FetchArguments(hostsDir, reference), TimeSpan.FromSeconds(90));
            var end = Now;
            var recorded = result.ExitCode == 0 ? await containerd.ImageDigestAsync(reference) : null;
            var ok = result.ExitCode == 0 && recorded == digest;
            Record(new ClientRequest("ctr", start, end, ok, ok ? "" : $"exit {result.ExitCode}, digest {recorded ?? "none"}: {result.StdErr.Trim()}"));
        }
    }
}
