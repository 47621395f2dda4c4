using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;

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
}
