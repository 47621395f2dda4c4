using System.Text.Json;
using Kindling.Artifacts.Http.Common;
using Kindling.Artifacts.Http.Hosting;
using Kindling.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Kindling.Artifacts.Http.Tests.Hosting;

/// <summary>Issue 19: /healthz's one-second cache is one immutable snapshot, timed by the injected clock.</summary>
public class NodeHealthTests
{
    [Fact]
    public async Task Result_IsKeptForOneSecondOfTheInjectedClock_ThenCheckedAgain()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var data = new TempDirectory("kindling-health");
        var (store, time, health) = Create(data);
        using var _ = health;

        var first = await health.CheckAsync(cancel);
        Directory.Delete(store.Blobs.BlobsDirectory, recursive: true); // the store breaks
        time.Advance(TimeSpan.FromMilliseconds(999));
        var cached = await health.CheckAsync(cancel);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var fresh = await health.CheckAsync(cancel);

        Assert.True(first.Healthy);
        Assert.True(cached.Healthy);
        Assert.Same(first.Body, cached.Body);
        Assert.False(fresh.Healthy);
        Assert.Equal("failing", Status(fresh.Body));
    }

    [Fact]
    public async Task ConcurrentReaders_AlwaysSeeAVerdictWithItsOwnBody()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var data = new TempDirectory("kindling-health");
        var (store, time, health) = Create(data);
        using var _ = health;

        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 300; i++)
            {
                var (healthy, body) = await health.CheckAsync(cancel);
                Assert.Equal(healthy ? "ok" : "failing", Status(body));
            }
        }, cancel)).ToList();
        for (var round = 0; round < 100 && readers.Any(r => !r.IsCompleted); round++)
        {
            // Alternate a broken and a working store, each round a second later, so the snapshot keeps changing.
            if (round % 2 == 0)
            {
                Directory.Delete(store.Blobs.BlobsDirectory, recursive: true);
            }
            else
            {
                Directory.CreateDirectory(store.Blobs.BlobsDirectory);
            }

            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }

        await Task.WhenAll(readers);
    }

    /// <summary>A node's health check over a store in <paramref name="data"/>, with no services and a clock the test moves.</summary>
    private static (NodeStore Store, FakeTimeProvider Time, NodeHealth Health) Create(TempDirectory data)
    {
        var store = NodeStore.Open(data.Path);
        var time = new FakeTimeProvider();
        var options = new NodeHostOptions { DataDirectory = data.Path, Certificate = TestPki.Shared.LocalNode };
        return (store, time, new NodeHealth(store, [], options, NullLogger.Instance, time: time));
    }

    private static string? Status(byte[] body)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("status").GetString();
    }
}
