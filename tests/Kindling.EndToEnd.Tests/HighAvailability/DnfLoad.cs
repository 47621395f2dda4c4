using System.Diagnostics;
using System.Globalization;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.HighAvailability;

/// <summary>
/// dnf in a loop from the client's namespace with only the <c>.repo</c> files of <c>kindling client-config --format
/// dnf</c>: each round starts from an empty cache, runs <c>makecache</c> and downloads the sample package
/// (<c>install --downloadonly</c>; dnf checks the package's checksum against the repository metadata).
/// </summary>
internal sealed class DnfLoad(NetworkLab lab, string host, Stopwatch clock, string reposDir, string work, string package) : IAsyncDisposable
{
    private readonly List<ClientRequest> _rounds = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private int _disposed;

    public IReadOnlyList<ClientRequest> Rounds
    {
        get
        {
            lock (_rounds)
            {
                return [.. _rounds];
            }
        }
    }

    public void Start() => _loop = Task.Run(LoopAsync);

    private async Task LoopAsync()
    {
        var dnf = Requires.Tool("dnf", "dnf");
        for (var round = 0; !_stop.IsCancellationRequested; round++)
        {
            var dir = Path.Combine(work, round.ToString(CultureInfo.InvariantCulture));
            string[] common = ["-y", "-q", "--setopt=reposdir=" + reposDir, "--setopt=cachedir=" + Path.Combine(dir, "cache"), "--setopt=persistdir=" + Path.Combine(dir, "persist"),
                "--installroot=" + Path.Combine(dir, "root"), "--releasever=7"];
            var start = clock.Elapsed.TotalSeconds;
            var detail = "";
            var ok = true;
            foreach (var step in new[] { new[] { "makecache" }, ["install", "--downloadonly", "--downloaddir", Path.Combine(dir, "rpms"), package] })
            {
                ProcessResult result;
                try
                {
                    result = await lab.RunAsync(host, dnf, [.. common, .. step], TimeSpan.FromSeconds(90));
                }
                catch (TimeoutException e)
                {
                    result = new ProcessResult(-1, "", e.Message);
                }

                if (result.ExitCode != 0)
                {
                    ok = false;
                    detail = $"dnf {step[0]}: {result}";
                    break;
                }
            }

            ok = ok && Directory.Exists(Path.Combine(dir, "rpms")) && Directory.GetFiles(Path.Combine(dir, "rpms"), package + "-*.rpm").Length == 1;
            lock (_rounds)
            {
                _rounds.Add(new ClientRequest("dnf", start, clock.Elapsed.TotalSeconds, ok, ok ? "" : detail.Length > 0 ? detail : "no package downloaded"));
            }

            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Stops the loop after the round in flight; safe to call twice.</summary>
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
