using System.Diagnostics;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.HighAvailability;

/// <summary>One request a client made: which tool, when it started and ended (seconds on the test's clock), whether it worked.</summary>
internal sealed record ClientRequest(string Tool, double Start, double End, bool Ok, string Detail);

/// <summary>
/// A cluster client in its own namespace pulling continuously through the domain name, as the seed's checks do:
/// a file with curl, a chart with helm, an image manifest with skopeo, one after the other, every failure kept
/// with its time. Names resolve through the lab's DNS server only.
/// </summary>
internal sealed class ClientLoad(NetworkLab lab, string host, Stopwatch clock, HaFiles files) : IAsyncDisposable
{
    private readonly List<ClientRequest> _requests = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private int _disposed;

    public IReadOnlyList<ClientRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public async Task StartAsync()
    {
        var helmEnv = files.HelmEnvironment;
        var added = await lab.RunAsync(host, Requires.Tool("helm", "helm (test.sh fetches it)"),
            ["repo", "add", "node", $"https://{HaFiles.Domain}:8081", "--ca-file", files.Ca], env: helmEnv);
        Assert.True(added.ExitCode == 0, "helm repo add: " + added);
        _loop = Task.Run(LoopAsync);
    }

    private async Task LoopAsync()
    {
        var curl = Requires.Tool("curl", "curl");
        var helm = Requires.Tool("helm", "helm");
        var skopeo = Requires.Tool("skopeo", "skopeo");
        var requests = new (string Tool, string File, string[] Args, IDictionary<string, string>? Env)[]
        {
            ("curl", curl, ["-sS", "-f", "--connect-timeout", "2", "--max-time", "5", "--cacert", files.Ca, "-o", "/dev/null", $"https://{HaFiles.Domain}:9000/kubean/{files.FileKey}"], null),
            ("helm", helm, ["pull", $"node/{files.Chart}", "--version", files.ChartVersion, "--ca-file", files.Ca, "-d", files.HelmDownloads], files.HelmEnvironment),
            ("skopeo", skopeo, ["inspect", "--raw", "--command-timeout", "10s", "--cert-dir", files.CertDir, $"docker://{HaFiles.Domain}/{files.Image}"], null),
        };
        while (!_stop.IsCancellationRequested)
        {
            foreach (var (tool, file, args, env) in requests)
            {
                var start = clock.Elapsed.TotalSeconds;
                ProcessResult result;
                try
                {
                    result = await lab.RunAsync(host, file, args, TimeSpan.FromSeconds(30), env);
                }
                catch (TimeoutException e)
                {
                    result = new ProcessResult(-1, "", e.Message);
                }

                lock (_requests)
                {
                    _requests.Add(new ClientRequest(tool, start, clock.Elapsed.TotalSeconds, result.ExitCode == 0, result.StdErr.Trim()));
                }

                if (_stop.IsCancellationRequested)
                {
                    return;
                }
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
