using System.Text.RegularExpressions;
using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Demo;

/// <summary><c>kindling demo</c> end to end, as a user runs it: every check passes, timings are printed, nothing is left behind.</summary>
public class DemoTests
{
    [Fact]
    public async Task Demo_RunsToTheEnd_EveryCheckPasses_AndCleansUp()
    {
        using var dir = new TempDirectory("kindling-demo-test");
        var work = dir.File("work");

        var result = await ProcessRunner.RunAsync(Repository.KindlingScript, ["demo", "--high-ports", "--work", work], TimeSpan.FromMinutes(8));

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var check in new[] { "primary installed (steps 1-5)", "failover: www → backup", "failback: www → primary", "image pushed during the failover", "both nodes identical again" })
        {
            Assert.Contains(check, result.StdOut, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("FAIL", result.StdOut, StringComparison.Ordinal);
        foreach (var timing in new[] { "detection: primary killed", "switch: primary killed", "recovery: primary restarted", "failback: primary restarted" })
        {
            Assert.Matches(TimingRow(timing), result.StdOut);
        }

        // Everything it made is gone: the work folder, and every process that ran from it.
        Assert.False(Directory.Exists(work), $"{work} is left behind");
        var leftovers = Directory.EnumerateDirectories("/proc").Select(p => Path.Combine(p, "cmdline"))
            .Select(f => { try { return File.ReadAllText(f).Replace('\0', ' '); } catch (IOException) { return ""; } catch (UnauthorizedAccessException) { return ""; } })
            .Where(c => c.Contains(work, StringComparison.Ordinal)).ToList();
        Assert.True(leftovers.Count == 0, "processes left running: " + string.Join("; ", leftovers));
    }

    [Fact]
    public async Task Demo_ThreeDnsInstances_OneKilledFailsNoLookup_ThePrimaryKilledStillFailsOver()
    {
        using var dir = new TempDirectory("kindling-demo-test");
        var work = dir.File("work");

        var result = await ProcessRunner.RunAsync(Repository.KindlingScript, ["demo", "--high-ports", "--dns-instances", "3", "--work", work], TimeSpan.FromMinutes(8));

        Assert.True(result.ExitCode == 0, result.ToString());
        // The step lines (the results table wraps with the terminal's width).
        Assert.Matches(@"\b0 of [1-9]\d* lookups failed while 127\.0\.41\.195 was killed", result.StdOut);
        Assert.Matches(@"DNS instance 127\.0\.41\.196: www\.tinder-node-server\.com → 127\.0\.41\.194 after \d+\.\d\d s", result.StdOut);
        foreach (var check in new[] { "failover: www → backup", "failback: www → primary", "both nodes identical again" })
        {
            Assert.Contains(check, result.StdOut, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("FAIL", result.StdOut, StringComparison.Ordinal);
        Assert.False(Directory.Exists(work), $"{work} is left behind");
    }

    private static Regex TimingRow(string label) => new($"{Regex.Escape(label)}[^\\n]*?\\b\\d+\\.\\d\\d\\b");
}
