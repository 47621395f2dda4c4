using System.Diagnostics;
using System.Globalization;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.HighAvailability;

/// <summary>
/// dnf in a loop from the client's namespace with only the <c>.repo</c> files of <c>kindling client-config --format
/// dnf</c>: each round starts from an empty cache, runs <c>makecache</c> and downloads the sample package
/// (<c>install --downloadonly</c>; dnf checks the package's checksum against the repository metadata).
/// </summary>
internal sealed class DnfLoad(NetworkLab lab, string host, Stopwatch clock, string reposDir, string work, string package) : ClientLoop(lab, host, clock)
{
    /// <summary>The rounds done so far (<see cref="ClientLoop.Requests"/>); disposing stops after the round in flight.</summary>
    public IReadOnlyList<ClientRequest> Rounds => Requests;

    public void Start() => StartLoop();

    protected override async Task LoopAsync()
    {
        var dnf = Requires.Tool("dnf", "dnf");
        for (var round = 0; !Stopping; round++)
        {
            var dir = Path.Combine(work, round.ToString(CultureInfo.InvariantCulture));
            string[] common = ["-y", "-q", "--setopt=reposdir=" + reposDir, "--setopt=cachedir=" + Path.Combine(dir, "cache"), "--setopt=persistdir=" + Path.Combine(dir, "persist"),
                "--installroot=" + Path.Combine(dir, "root"), "--releasever=7"];
            var start = Now;
            var detail = "";
            var ok = true;
            foreach (var step in new[] { new[] { "makecache" }, ["install", "--downloadonly", "--downloaddir", Path.Combine(dir, "rpms"), package] })
            {
                var result = await RunAsync(dnf, [.. common, .. step], TimeSpan.FromSeconds(90));
                if (result.ExitCode != 0)
                {
                    ok = false;
                    detail = $"dnf {step[0]}: {result}";
                    break;
                }
            }

            ok = ok && Directory.Exists(Path.Combine(dir, "rpms")) && Directory.GetFiles(Path.Combine(dir, "rpms"), package + "-*.rpm").Length == 1;
            Record(new ClientRequest("dnf", start, Now, ok, ok ? "" : detail.Length > 0 ? detail : "no package downloaded"));
            Directory.Delete(dir, recursive: true);
        }
    }
}
