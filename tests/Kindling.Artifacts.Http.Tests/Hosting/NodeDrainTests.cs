using Kindling.Artifacts.Http.Drain;
using Kindling.Artifacts.Http.Tests.Support;
using Kindling.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Kindling.Artifacts.Http.Tests.Hosting;

/// <summary>The drain's rule on a fake clock: drained once no request was in flight or arrived for the quiet period since draining began.</summary>
public class NodeDrainTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(10);

    [Fact]
    public void Status_NotDraining_IsServing()
    {
        var drain = new NodeDrain(new FakeTimeProvider(), Quiet);
        Assert.Equal(DrainState.Serving, drain.Status().State);
        Assert.False(drain.Draining);
    }

    [Fact]
    public void Start_IdleNode_DrainedAfterTheQuietPeriodFromTheStart_NotBefore()
    {
        var time = new FakeTimeProvider();
        var drain = new NodeDrain(time, Quiet);
        time.Advance(TimeSpan.FromMinutes(5)); // idle long before the drain: the quiet period still runs from the start
        drain.Start();
        time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.Equal(DrainState.Draining, drain.Status().State);
        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(DrainState.Drained, drain.Status().State);
    }

    [Fact]
    public void Requests_WhileDraining_RestartTheQuietPeriod_AndInFlightBlocksIt()
    {
        var time = new FakeTimeProvider();
        var drain = new NodeDrain(time, Quiet);
        drain.Start();
        time.Advance(TimeSpan.FromSeconds(8));
        drain.Enter();
        time.Advance(TimeSpan.FromSeconds(30)); // a long download in flight
        Assert.Equal(DrainState.Draining, drain.Status().State);
        Assert.Equal(1, drain.Status().InFlight);
        drain.Exit();
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(DrainState.Draining, drain.Status().State);
        time.Advance(TimeSpan.FromSeconds(1));
        var status = drain.Status();
        Assert.Equal(DrainState.Drained, status.State);
        Assert.Equal(1, status.Requests);
    }

    [Fact]
    public void Stop_ReturnsToServing_AndStartWithQuietReplacesIt()
    {
        var time = new FakeTimeProvider();
        var drain = new NodeDrain(time, Quiet);
        drain.Start(TimeSpan.Zero);
        Assert.Equal(DrainState.Drained, drain.Status().State);
        drain.Stop();
        Assert.Equal(DrainState.Serving, drain.Status().State);
        Assert.Equal(TimeSpan.Zero, drain.Quiet);
    }

    [Fact]
    public async Task AdminSocket_Drain_HealthzSays503Draining_OtherRoutesServe_UndrainRestores()
    {
        var curl = Requires.Tool("curl", "curl");
        await using var node = await NodeFixture.StartAsync();
        var socket = Path.Combine(node.Data.Path, "run", "admin.sock");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(socket));
        var healthz = await node.Client.GetAsync(node.RegistryUrl + "/healthz", TestContext.Current.CancellationToken);
        Assert.Equal(200, (int)healthz.StatusCode);

        var drained = await ProcessRunner.RunAsync(curl, ["-sS", "-f", "--unix-socket", socket, "-X", "POST", "http://node/drain?quiet=30"]);
        Assert.True(drained.ExitCode == 0, drained.ToString());
        Assert.Contains("\"state\": \"draining\"", drained.StdOut, StringComparison.Ordinal);

        healthz = await node.Client.GetAsync(node.RegistryUrl + "/healthz", TestContext.Current.CancellationToken);
        Assert.Equal(503, (int)healthz.StatusCode);
        Assert.Contains("\"status\": \"draining\"", await healthz.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        var catalog = await node.Client.GetAsync(node.RegistryUrl + "/v2/", TestContext.Current.CancellationToken);
        Assert.NotEqual(503, (int)catalog.StatusCode); // the registry keeps answering (401: it asks for credentials, as always)
        Assert.Equal(1, node.Host.Drain.Status().Requests);

        var undrained = await ProcessRunner.RunAsync(curl, ["-sS", "-f", "--unix-socket", socket, "-X", "POST", "http://node/undrain"]);
        Assert.Contains("\"state\": \"serving\"", undrained.StdOut, StringComparison.Ordinal);
        await Task.Delay(1100, TestContext.Current.CancellationToken); // past /healthz's one-second cache
        healthz = await node.Client.GetAsync(node.RegistryUrl + "/healthz", TestContext.Current.CancellationToken);
        Assert.Equal(200, (int)healthz.StatusCode);
    }
}
