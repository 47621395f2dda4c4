using Kindling.Installer.Service;
using Kindling.Testing;

namespace Kindling.Installer.Tests.Service;

public class NodeSupervisorTests
{
    private static async Task WaitFor(Func<bool> condition, string what)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), $"timed out waiting for {what}");
    }

    [Fact]
    public async Task Run_ChildCrashes_IsRestartedAndPidFileNamesTheSupervisor()
    {
        using var dir = new TempDirectory();
        var starts = dir.File("starts");
        using var log = new StringWriter();
        var supervisor = new NodeSupervisor("/bin/sh", ["-c", $"echo start >> {starts}; exit 3"], dir.Path, log);
        using var cts = new CancellationTokenSource();

        var run = supervisor.RunAsync(cts.Token);
        await WaitFor(() => File.Exists(starts) && File.ReadAllLines(starts).Length >= 2, "a restart");

        Assert.Equal(Environment.ProcessId, PidFile.For(dir.Path).ReadLive());
        await cts.CancelAsync();
        Assert.Equal(0, await run);
        Assert.Null(PidFile.For(dir.Path).ReadLive());
        Assert.Contains("exited with code 3; restarting in 1 s", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Stopping_SendsSigtermSoTheChildDrains()
    {
        using var dir = new TempDirectory();
        var ready = dir.File("ready");
        var drained = dir.File("drained");
        using var log = new StringWriter();
        var script = $"trap 'echo drained > {drained}; exit 0' TERM; touch {ready}; while :; do sleep 0.05; done";
        var supervisor = new NodeSupervisor("/bin/sh", ["-c", script], dir.Path, log);
        using var cts = new CancellationTokenSource();

        var run = supervisor.RunAsync(cts.Token);
        await WaitFor(() => File.Exists(ready), "the child to start");
        await cts.CancelAsync();

        Assert.Equal(0, await run);
        Assert.Equal("drained\n", File.ReadAllText(drained));
        Assert.DoesNotContain("killing it", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ReadLive_StalePidFile_IsNotTrusted()
    {
        using var dir = new TempDirectory();
        var pidFile = PidFile.For(dir.Path);
        pidFile.Write(Environment.ProcessId);
        Assert.Equal(Environment.ProcessId, pidFile.ReadLive());

        // Same PID, different start time: the PID was reused by another process.
        File.WriteAllText(pidFile.Path, $"{Environment.ProcessId}\n1\n");
        Assert.Null(pidFile.ReadLive());

        File.WriteAllText(pidFile.Path, "not a pid\n");
        Assert.Null(pidFile.ReadLive());
    }

    [Fact]
    public void Unit_QuotesArgumentsAndRestartsOnFailure()
    {
        var control = new NodeServiceControl("/var/lib/kindling", "/opt/kindling/kindling", ServiceMode.Systemd);

        var unit = control.Unit(["node", "serve", "--data", "/var/lib/kindling", "--name", "a b"]);

        Assert.Contains("ExecStart=/opt/kindling/kindling node serve --data /var/lib/kindling --name \"a b\"", unit, StringComparison.Ordinal);
        Assert.Contains("Restart=on-failure", unit, StringComparison.Ordinal);
        Assert.Contains("KillSignal=SIGTERM", unit, StringComparison.Ordinal);
    }
}
