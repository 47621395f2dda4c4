using System.Diagnostics;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.HighAvailability;

/// <summary>
/// containerd pulling one image through the domain in a loop, from the client's namespace, configured only by the
/// <c>hosts.toml</c> that <c>kindling client-config</c> wrote: each round forgets the image and its blobs, fetches
/// everything again (<c>ctr content fetch</c>: containerd checks every blob's digest as it commits it) and compares
/// the manifest digest containerd recorded with the package's.
/// </summary>
internal sealed class CtrLoad(NetworkLab lab, string host, Stopwatch clock, ContainerdDaemon containerd, string hostsDir, string reference, string digest) : IAsyncDisposable
{
    private readonly List<ClientRequest> _pulls = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private int _disposed;

    public IReadOnlyList<ClientRequest> Pulls
    {
        get
        {
            lock (_pulls)
            {
                return [.. _pulls];
            }
        }
    }

    public void Start() => _loop = Task.Run(LoopAsync);

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            await containerd.ForgetAsync(reference);
            var start = clock.Elapsed.TotalSeconds;
            ProcessResult result;
            try
            {
                result = await lab.RunAsync(host, containerd.Ctr, containerd.FetchArguments(hostsDir, reference), TimeSpan.FromSeconds(90));
            }
            catch (TimeoutException e)
            {
                result = new ProcessResult(-1, "", e.Message);
            }

            var end = clock.Elapsed.TotalSeconds;
            var recorded = result.ExitCode == 0 ? await containerd.ImageDigestAsync(reference) : null;
            var ok = result.ExitCode == 0 && recorded == digest;
            lock (_pulls)
            {
                _pulls.Add(new ClientRequest("ctr", start, end, ok, ok ? "" : $"exit {result.ExitCode}, digest {recorded ?? "none"}: {result.StdErr.Trim()}"));
            }
        }
    }

    /// <summary>Stops the loop after the request in flight; safe to call twice (a test stops it before reading the results).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _stop.Dispose();
    }
}
