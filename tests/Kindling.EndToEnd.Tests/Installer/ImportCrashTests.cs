using System.Globalization;
using System.Text.Json;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Installer;

/// <summary>
/// Issue 17: <c>kill -9</c> of <c>kindling cluster-create</c> (with the node it started) at random moments of an
/// install, the import of the offline package included; after each kill <c>kindling node fsck</c> finds nothing damaged
/// or dangling in the data folder (leftovers of the interrupted writes are expected and listed), and running the same
/// install again completes.
/// </summary>
public class ImportCrashTests(SamplePackageFixture package) : IClassFixture<SamplePackageFixture>
{
    private const int Kills = 12;

    [Fact]
    public async Task KillDashNine_DuringInstallAndImport_FsckFindsNothingDamagedOrDangling_AndTheInstallResumes()
    {
        var output = TestContext.Current.TestOutputHelper!;

        // How long an uninterrupted install takes here: the kills land anywhere in it.
        TimeSpan full;
        await using (var first = new InstalledNode("127.0.41.201", package.Path))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var result = await first.InstallAsync();
            full = clock.Elapsed;
            Assert.True(result.ExitCode == 0, $"a first, uninterrupted install: {result}");
        }

        var random = new Random(17);
        var problems = new List<string>();
        for (var i = 0; i < Kills; i++)
        {
            await using var node = new InstalledNode("127.0.41.201", package.Path);
            var delay = TimeSpan.FromMilliseconds(100 + random.NextDouble() * full.TotalMilliseconds);
            string step;
            using (var install = BackgroundProcess.Start(Repository.KindlingScript,
                ["cluster-create", "-c", node.ConfigPath, "-t", node.Address, "--data", node.DataDir, "--hosts-file", node.HostsFile,
                 "--dns", "127.0.0.1:9", "-l", node.LogFile]))
            {
                await Task.Delay(delay, TestContext.Current.CancellationToken);
                step = install.HasExited ? "after the end" : LastLine(install.Output);
                install.Kill();
            }

            // The node service the install may have started (its process is not a child of cluster-create).
            await ProcessRunner.KindlingAsync("node", "stop", "--now", "--data", node.DataDir);
            if (!Directory.Exists(Path.Combine(node.DataDir, "store")))
            {
                output.WriteLine($"kill {i} at {delay.TotalSeconds:0.00} s ({step}): no store yet");
                continue;
            }

            var fsck = await FsckAsync(node.DataDir);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"kill {i} at {delay.TotalSeconds:0.00} s ({step}): damaged {fsck.GetProperty("damaged")}, dangling {fsck.GetProperty("dangling")}, leftovers {fsck.GetProperty("leftovers")}"));
            if (fsck.GetProperty("damaged").GetInt32() + fsck.GetProperty("dangling").GetInt32() > 0)
            {
                problems.Add($"kill {i} at {delay.TotalSeconds:0.00} s ({step}): {fsck}");
            }

            if (i % 4 == 3)
            {
                // The same install again completes on what the kill left, and the folder then checks clean.
                var again = await node.InstallAsync();
                Assert.True(again.ExitCode == 0, $"the install after kill {i}: {again}");
                var after = await FsckAsync(node.DataDir);
                Assert.True(after.GetProperty("damaged").GetInt32() + after.GetProperty("dangling").GetInt32() == 0, $"fsck after the resumed install {i}: {after}");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no output yet";

    private static async Task<JsonElement> FsckAsync(string dataDirectory)
    {
        var result = await ProcessRunner.KindlingAsync("node", "fsck", "--data", dataDirectory, "--json");
        Assert.True(result.ExitCode is 0 or 1 or 4, $"kindling node fsck: {result}");
        using var json = JsonDocument.Parse(result.StdOut);
        return json.RootElement.Clone();
    }
}
