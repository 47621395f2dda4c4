using System.Text;
using Kindling.Artifacts.Storage;
using Kindling.Testing;

namespace Kindling.Artifacts.Tests.Storage;

public class BlobStoreTests
{
    [Fact]
    public async Task PutAsync_MatchingDigest_StoresUnderShardedPathAndCountsSize()
    {
        using var dir = new TempDirectory();
        var store = BlobStore.Open(dir.Path);
        var content = Encoding.UTF8.GetBytes("hello layer");

        var digest = await store.PutAsync(new MemoryStream(content), Digest.Of(content), TestContext.Current.CancellationToken);

        Assert.Equal(Path.Combine(dir.Path, "blobs", "sha256", digest.Hex[..2], digest.Hex), store.PathOf(digest));
        Assert.Equal(content, await File.ReadAllBytesAsync(store.PathOf(digest), TestContext.Current.CancellationToken));
        Assert.Equal(content.Length, store.TotalBytes);
        Assert.True(store.Verify(digest));
        Assert.Empty(Directory.EnumerateFileSystemEntries(store.TempDirectory));
    }

    [Fact]
    public async Task PutAsync_WrongDigest_ThrowsAndStoresNothing()
    {
        using var dir = new TempDirectory();
        var store = BlobStore.Open(dir.Path);
        var wrong = Digest.Of("other"u8);

        var e = await Assert.ThrowsAsync<DigestMismatchException>(() => store.PutAsync(new MemoryStream("content"u8.ToArray()), wrong, TestContext.Current.CancellationToken));

        Assert.Equal(wrong, e.Expected);
        Assert.False(store.Exists(e.Actual));
        Assert.Empty(store.Enumerate());
        Assert.Empty(Directory.EnumerateFileSystemEntries(store.TempDirectory));
        Assert.Equal(0, store.TotalBytes);
    }

    [Fact]
    public async Task PutAsync_SourceFailsMidway_LeavesNothing()
    {
        using var dir = new TempDirectory();
        var store = BlobStore.Open(dir.Path);

        await Assert.ThrowsAsync<IOException>(() => store.PutAsync(new FailingStream(), null, TestContext.Current.CancellationToken));

        Assert.Empty(store.Enumerate());
        Assert.Empty(Directory.EnumerateFileSystemEntries(store.TempDirectory));
    }

    [Fact]
    public void Open_AfterCrash_RemovesTemporaryFilesAndKeepsBlobs()
    {
        using var dir = new TempDirectory();
        var store = BlobStore.Open(dir.Path);
        var digest = store.Put("kept"u8);
        File.WriteAllText(Path.Combine(store.TempDirectory, "blob.123.tmp"), "half a blob");

        var reopened = BlobStore.Open(dir.Path);

        Assert.Empty(Directory.EnumerateFileSystemEntries(reopened.TempDirectory));
        Assert.Equal([digest], reopened.Enumerate());
        Assert.Equal(4, reopened.TotalBytes);
    }

    [Fact]
    public void Delete_RemovesBlobAndSize()
    {
        using var dir = new TempDirectory();
        var store = BlobStore.Open(dir.Path);
        var digest = store.Put("gone"u8);

        Assert.True(store.Delete(digest));
        Assert.False(store.Exists(digest));
        Assert.Equal(0, store.TotalBytes);
        Assert.False(store.Delete(digest));
    }

    private sealed class FailingStream : Stream
    {
        private int _reads;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => 0; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) =>
            _reads++ == 0 ? 10 : throw new IOException("connection reset");
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
