using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Kindling.Replication.Tests.Support;

namespace Kindling.Replication.Tests.Continuous;

/// <summary>
/// <c>kindling node serve --replicate-from PRIMARY</c> on the backup: it follows the primary, catches up after
/// being down, reports its lag, and copies back to a returning primary what it received while the primary was away.
/// </summary>
public class ContinuousReplicationTests
{
    private static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Backup_FollowsPrimary_CatchesUpAfterBeingDown_LagInMetricsAndHealthz()
    {
        await using var nodes = await NodePair.StartAsync(backupArgsFor: primary => ["--replicate-from", primary.ChartsUrl, "--replicate-interval", "1s"]);
        var layout = new TestLayout(nodes.Work.File("layout"));
        layout.AddImage("library/first:v1", layout.AddLayer(300_000));
        layout.AddImage("library/second:v1", layout.AddLayer(300_000));
        await nodes.Primary.PushImageAsync(layout.Directory, "library/first:v1");
        await InStepAsync(nodes);

        var metrics = await Curl.GetAsync(nodes.Backup, "/metrics");
        Assert.Contains("kindling_replication_in_step{source=", metrics, StringComparison.Ordinal);
        Assert.Matches(@"kindling_replication_in_step\{source=""[^""]+""\} 1", metrics);
        var lag = double.Parse(System.Text.RegularExpressions.Regex.Match(metrics, @"kindling_replication_lag_seconds\{[^}]*\} ([0-9.]+)").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(lag, 0, 30);
        using (var health = JsonDocument.Parse(await Curl.GetAsync(nodes.Backup, "/healthz")))
        {
            var replication = health.RootElement.GetProperty("reports").GetProperty("replication");
            Assert.Equal("ok", replication.GetProperty("status").GetString());
            Assert.True(replication.GetProperty("inStep").GetBoolean());
        }

        // The backup goes down; the primary changes meanwhile; the backup comes back and catches up.
        await nodes.Backup.KillAsync();
        await nodes.Primary.PushImageAsync(layout.Directory, "library/second:v1");
        var upload = nodes.Work.File("upload");
        Directory.CreateDirectory(upload);
        await TestContent.UploadChartAsync(nodes.Primary, upload, TestContent.Chart("web", "1.0.0", "replicas: 3\n"));
        await TestContent.PutFileAsync(nodes.Primary, upload, "dl.k8s.io/release/v1.29.5/bin/linux/amd64/kubectl", RandomNumberGenerator.GetBytes(40_000));
        await nodes.Backup.StartAsync();
        await InStepAsync(nodes);
        Assert.Equal(await Curl.ManifestDigestAsync(nodes.Primary, "library/second", "v1"), await Curl.ManifestDigestAsync(nodes.Backup, "library/second", "v1"));
        Assert.Equal(await TestContent.ChartDigestsAsync(nodes.Primary), await TestContent.ChartDigestsAsync(nodes.Backup));
        Assert.Contains("replication: copied", nodes.Backup.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrimaryDown_ImagePushedToBackup_CopiedBackWhenPrimaryReturns_BackupsNewerTagKept()
    {
        await using var nodes = await NodePair.StartAsync(backupArgsFor: primary =>
            ["--replicate-from", primary.RegistryUrl, "--replicate-interval", "1s", "--replicate-credentials", primary.CredentialsFile]);
        var layout = new TestLayout(nodes.Work.File("layout"));
        layout.AddImage("library/app:v1", layout.AddLayer(200_000));
        await nodes.Primary.PushImageAsync(layout.Directory, "library/app:v1");
        await InStepAsync(nodes);

        // Failover: the primary is down, clients push to the backup (a new image, and a tag moved).
        await nodes.Primary.KillAsync();
        var during = new TestLayout(nodes.Work.File("during"));
        during.AddImage("library/hotfix:v1", during.AddLayer(250_000));
        during.AddImage("library/app:v1", during.AddLayer(120_000));
        await nodes.Backup.PushImageAsync(during.Directory, "library/hotfix:v1");
        await nodes.Backup.PushImageAsync(during.Directory, "library/app:v1");
        var hotfix = await Curl.ManifestDigestAsync(nodes.Backup, "library/hotfix", "v1");
        var movedApp = await Curl.ManifestDigestAsync(nodes.Backup, "library/app", "v1");
        await Eventually.TrueAsync(async () => await ReplicationStatusAsync(nodes.Backup) == "failing", CatchUp,
            async () => await Curl.GetAsync(nodes.Backup, "/healthz"));

        // Failback: the primary returns; the backup copies back what it received before taking anything from it.
        await nodes.Primary.StartAsync();
        await InStepAsync(nodes);
        Assert.Equal(hotfix, await Curl.ManifestDigestAsync(nodes.Primary, "library/hotfix", "v1"));
        Assert.Equal(movedApp, await Curl.ManifestDigestAsync(nodes.Primary, "library/app", "v1"));
        Assert.Equal(movedApp, await Curl.ManifestDigestAsync(nodes.Backup, "library/app", "v1"));
        Assert.Contains("back to", nodes.Backup.Output, StringComparison.Ordinal);
        var pulled = await nodes.Primary.PullImageAsync("library/hotfix:v1", nodes.Work.File("pulled"));
        Assert.True(pulled.ExitCode == 0, pulled.ToString());

        var metrics = await Curl.GetAsync(nodes.Backup, "/metrics");
        Assert.Matches(@"kindling_replication_copied_items_total\{direction=""reverse""\} [1-9]", metrics);

        // A tag deleted on the primary afterwards is the primary's change: the backup does not copy it back.
        await TestContent.DeleteTagAsync(nodes.Primary, "library/hotfix", "v1");
        await Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Null(await Curl.ManifestDigestAsync(nodes.Primary, "library/hotfix", "v1"));
        Assert.Equal(hotfix, await Curl.ManifestDigestAsync(nodes.Backup, "library/hotfix", "v1"));
    }

    private static async Task InStepAsync(NodePair nodes) =>
        await Eventually.TrueAsync(async () => await nodes.Primary.DigestAsync() == await nodes.Backup.DigestAsync() && await ReplicationStatusAsync(nodes.Backup) == "ok",
            CatchUp, async () => $"primary {await nodes.Primary.DigestAsync()}, backup {await nodes.Backup.DigestAsync()}; backup /healthz: {await Curl.GetAsync(nodes.Backup, "/healthz")}\n{nodes.Backup.Output}");

    private static async Task<string?> ReplicationStatusAsync(TestNode node)
    {
        using var health = JsonDocument.Parse(await Curl.GetAsync(node, "/healthz"));
        return health.RootElement.TryGetProperty("reports", out var reports) ? reports.GetProperty("replication").GetProperty("status").GetString() : null;
    }
}
