using System.Diagnostics;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.HighAvailability;

/// <summary>
/// A cluster client in its own namespace pulling continuously through the domain name, as the seed's checks do:
/// a file with curl, a chart with helm, an image manifest with skopeo, one after the other, every failure kept
/// with its time. Names resolve through the lab's DNS server only.
/// </summary>
internal sealed class ClientLoad(NetworkLab lab, string host, Stopwatch clock, HaFiles files) : ClientLoop(lab, host, clock)
{
    public async Task StartAsync()
    {
        var added = await RunAsync(Requires.Tool("helm", "helm (test.sh fetches it)"),
            ["repo", "add", "node", $"https://{HaFiles.Domain}:8081", "--ca-file", files.Ca], timeout: null, files.HelmEnvironment);
        Assert.True(added.ExitCode == 0, "helm repo add: " + added);
        StartLoop();
    }

    protected override async Task LoopAsync()
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
        while (!Stopping)
        {
            foreach (var (tool, file, args, env) in requests)
            {
                var start = Now;
                var result = await RunAsync(file, args, TimeSpan.FromSeconds(30), env);
                Record(new ClientRequest(tool, start, Now, result.ExitCode == 0, result.StdErr.Trim()));
                if (Stopping)
                {
                    return;
                }
            }
        }
    }
}
