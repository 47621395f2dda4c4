using Kindling.Replication.Tests.Support;
using Kindling.Testing;

namespace Kindling.Replication.Tests.Sync;

/// <summary>A sync killed with SIGKILL part-way, then run again: it resumes from what the target already holds.</summary>
public class ResumeTests
{
    private const int Images = 6;
    private const int LayerBytes = 8 << 20;

    [Fact]
    public async Task Sync_KilledPartWay_RerunCopiesOnlyTheRest_AndEndsInStep()
    {
        await using var nodes = await NodePair.StartAsync();
        var layout = new TestLayout(nodes.Work.File("layout"));
        var layers = new List<TestLayout.Blob>();
        for (var i = 0; i < Images; i++)
        {
            var layer = layout.AddLayer(LayerBytes);
            layers.Add(layer);
            layout.AddImage($"library/big{i}:v1", layer);
        }

        for (var i = 0; i < Images; i++)
        {
            await nodes.Primary.PushImageAsync(layout.Directory, $"library/big{i}:v1");
        }

        var total = layers.Sum(l => l.Size);
        using (var first = BackgroundProcess.Start(Repository.KindlingScript,
            ["sync", "--from", nodes.Primary.RegistryUrl, "--to", nodes.Backup.RegistryUrl, "--ca", nodes.Primary.CaFile,
             "--to-credentials", nodes.Backup.CredentialsFile, "--parallel", "1"]))
        {
            // Kill as soon as the first large blob is in the backup's store: the rest is still to come.
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            while (layers.All(l => !File.Exists(ImageSyncTests.StoredBlob(nodes.Backup, l.Digest))))
            {
                Assert.False(first.HasExited, $"the sync ended before it could be interrupted: {first.Output}");
                Assert.True(DateTime.UtcNow < deadline, "no blob arrived on the backup within 3 minutes");
                await Task.Delay(5, TestContext.Current.CancellationToken);
            }

            first.Signal(9);
            Assert.NotEqual(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        var arrived = layers.Count(l => File.Exists(ImageSyncTests.StoredBlob(nodes.Backup, l.Digest)));
        Assert.InRange(arrived, 1, Images - 1);
        Assert.NotEqual(await nodes.Primary.DigestAsync(), await nodes.Backup.DigestAsync());

        var second = NodePair.Summary(await NodePair.SyncAsync(nodes.Primary, nodes.Backup));
        var images = second.GetProperty("kinds").GetProperty("images");
        Assert.True(second.GetProperty("inStep").GetBoolean(), second.ToString());
        // A blob that arrived is either found present, or its whole image was finished before the kill landed (then the
        // repository's content digest matches and it is skipped as an unchanged part: one layer per image here).
        Assert.True(images.GetProperty("objectsPresent").GetInt32() + images.GetProperty("partsUnchanged").GetInt32() >= arrived,
            $"the {arrived} blobs that arrived before the kill are not sent again: {images}");
        Assert.True(images.GetProperty("bytesCopied").GetInt64() <= total - (arrived * (long)LayerBytes), $"only the rest crossed: {images}");
        foreach (var layer in layers)
        {
            Assert.Equal(200, await Curl.StatusAsync(nodes.Backup, $"/v2/library/big{layers.IndexOf(layer)}/blobs/{layer.Digest}", "HEAD"));
        }

        var pulled = await nodes.Backup.PullImageAsync("library/big5:v1", nodes.Work.File("pulled"));
        Assert.True(pulled.ExitCode == 0, pulled.ToString());
    }
}
