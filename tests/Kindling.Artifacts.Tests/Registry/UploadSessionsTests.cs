using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Kindling.Artifacts.Tests.Registry;

public class UploadSessionsTests
{
    private const string Name = "library/busybox";

    [Fact]
    public async Task Chunks_InOrder_CompleteStoresAndLinksBlob()
    {
        using var f = new RegistryFixture();
        var content = new byte[300_000];
        Random.Shared.NextBytes(content);
        var session = f.Uploads.Start(Name);

        await f.Uploads.AppendAsync(session, new MemoryStream(content, 0, 100_000), 0, TestContext.Current.CancellationToken);
        await f.Uploads.AppendAsync(session, new MemoryStream(content, 100_000, 200_000), 100_000, TestContext.Current.CancellationToken);
        var digest = await f.Uploads.CompleteAsync(session, Digest.Of(content), TestContext.Current.CancellationToken);

        Assert.Equal(content.Length, f.Registry.FindBlob(Name, digest));
        Assert.Empty(Directory.EnumerateFileSystemEntries(f.Uploads.Directory));
    }

    [Fact]
    public async Task Append_AtWrongOffset_Refused416WithOffset()
    {
        using var f = new RegistryFixture();
        var session = f.Uploads.Start(Name);
        await f.Uploads.AppendAsync(session, new MemoryStream(new byte[10]), 0, TestContext.Current.CancellationToken);

        var e = await Assert.ThrowsAsync<RegistryException>(() => f.Uploads.AppendAsync(session, new MemoryStream(new byte[10]), 20, TestContext.Current.CancellationToken));

        Assert.Equal(416, e.Status);
        Assert.Equal(10, session.Offset);
    }

    [Fact]
    public async Task Session_AfterRestart_ResumesFromFileAndDigestStillChecks()
    {
        using var f = new RegistryFixture();
        var content = new byte[50_000];
        Random.Shared.NextBytes(content);
        var session = f.Uploads.Start(Name);
        await f.Uploads.AppendAsync(session, new MemoryStream(content, 0, 20_000), null, TestContext.Current.CancellationToken);
        session.Writer.Dispose();

        f.Reopen();
        var resumed = f.Uploads.Get(Name, session.Id);
        Assert.Equal(20_000, resumed.Offset);
        await f.Uploads.AppendAsync(resumed, new MemoryStream(content, 20_000, 30_000), 20_000, TestContext.Current.CancellationToken);
        var digest = await f.Uploads.CompleteAsync(resumed, Digest.Of(content), TestContext.Current.CancellationToken);

        Assert.Equal(Digest.Of(content), digest);
        Assert.True(f.Blobs.Verify(digest));
    }

    [Fact]
    public async Task Complete_WrongDigest_NothingStoredAndSessionGone()
    {
        using var f = new RegistryFixture();
        var session = f.Uploads.Start(Name);
        await f.Uploads.AppendAsync(session, new MemoryStream("data"u8.ToArray()), null, TestContext.Current.CancellationToken);

        var e = await Assert.ThrowsAsync<RegistryException>(() => f.Uploads.CompleteAsync(session, Digest.Of("else"u8), TestContext.Current.CancellationToken));

        Assert.Equal(RegistryErrorCode.DigestInvalid, e.Code);
        Assert.Empty(f.Blobs.Enumerate());
        Assert.Throws<RegistryException>(() => f.Uploads.Get(Name, session.Id));
    }

    [Theory]
    [InlineData("../../../etc")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    public void Get_MalformedId_UploadUnknown(string id)
    {
        using var f = new RegistryFixture();

        Assert.Equal(RegistryErrorCode.BlobUploadUnknown, Assert.Throws<RegistryException>(() => f.Uploads.Get(Name, id)).Code);
    }

    [Fact]
    public void Start_BeyondPerClientAndNodeCaps_429TooManyRequests_OtherClientsStillStart()
    {
        using var f = new RegistryFixture();
        f.Uploads.Limits = new UploadLimits { MaxOpen = 5, MaxPerClient = 3 };

        for (var i = 0; i < 3; i++)
        {
            f.Uploads.Start(Name, "192.0.2.1");
        }

        var perClient = Assert.Throws<RegistryException>(() => f.Uploads.Start(Name, "192.0.2.1"));
        f.Uploads.Start(Name, "192.0.2.2");
        f.Uploads.Start(Name, "192.0.2.3");
        var node = Assert.Throws<RegistryException>(() => f.Uploads.Start(Name, "192.0.2.4"));

        Assert.Equal((429, RegistryErrorCode.TooManyRequests), (perClient.Status, perClient.Code));
        Assert.Contains("per client", perClient.Message, StringComparison.Ordinal);
        Assert.Equal(429, node.Status);
        Assert.Contains("the node has 5 blob uploads in progress", node.Message, StringComparison.Ordinal);
        Assert.Equal(5, f.Uploads.OpenCount);
    }

    [Fact]
    public async Task Start_WhileOtherSessionsEnd_NeverFails()
    {
        // Start lists the uploads folder for leftovers of an earlier process while other requests complete or cancel
        // their sessions: a folder removed between the listing and its check is no error (it was a 500 under skopeo
        // pushes with garbage collection running, issue 17's GcUnderLoadTests in CI).
        using var f = new RegistryFixture();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 1500; i++)
            {
                try
                {
                    await f.Uploads.CancelAsync(f.Uploads.Start(Name, $"192.0.2.{w}"), TestContext.Current.CancellationToken);
                }
                catch (Exception e)
                {
                    failures.Enqueue(e);
                }
            }
        }, TestContext.Current.CancellationToken)).ToArray();
        await Task.WhenAll(workers);

        Assert.True(failures.IsEmpty, $"{failures.Count} starts failed, first: {failures.FirstOrDefault()}");
        Assert.Empty(Directory.EnumerateFileSystemEntries(f.Uploads.Directory));
    }

    [Fact]
    public async Task IdleSessions_EmptyDroppedAfter15Minutes_WithBytesKept24Hours()
    {
        using var f = new RegistryFixture();
        var time = new FakeTimeProvider();
        var uploads = UploadSessions.Open(f.Registry, time: time);
        var empty = uploads.Start(Name);
        var started = uploads.Start(Name);
        await uploads.AppendAsync(started, new MemoryStream(new byte[10]), null, TestContext.Current.CancellationToken);

        time.Advance(TimeSpan.FromMinutes(16));
        uploads.Start(Name);
        var emptyGone = Assert.Throws<RegistryException>(() => uploads.Get(Name, empty.Id));
        var kept = uploads.Get(Name, started.Id);
        time.Advance(TimeSpan.FromHours(24));
        uploads.Start(Name);

        Assert.Equal(RegistryErrorCode.BlobUploadUnknown, emptyGone.Code);
        Assert.Equal(10, kept.Offset);
        Assert.Throws<RegistryException>(() => uploads.Get(Name, started.Id));
    }

    [Fact]
    public async Task OpenSessions_HoldNoFileHandleBetweenRequests()
    {
        using var f = new RegistryFixture();
        var sessions = Enumerable.Range(0, 50).Select(_ => f.Uploads.Start(Name)).ToList();
        foreach (var session in sessions)
        {
            await f.Uploads.AppendAsync(session, new MemoryStream(new byte[100]), null, TestContext.Current.CancellationToken);
        }

        var held = OpenFilesUnder(f.Uploads.Directory);
        List<string> probe;
        using (File.OpenRead(Path.Combine(f.Uploads.Directory, sessions[1].Id, "data")))
        {
            probe = OpenFilesUnder(f.Uploads.Directory);
        }

        var digest = await f.Uploads.CompleteAsync(sessions[0], Digest.Of(new byte[100]), TestContext.Current.CancellationToken);

        Assert.Empty(held);
        Assert.Single(probe);
        Assert.True(f.Blobs.Verify(digest));
    }

    private static List<string> OpenFilesUnder(string directory) =>
        new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos()
            .Select(fd =>
            {
                try
                {
                    return fd.LinkTarget ?? "";
                }
                catch (IOException)
                {
                    return "";
                }
            })
            .Where(target => target.StartsWith(directory, StringComparison.Ordinal))
            .ToList();
}
