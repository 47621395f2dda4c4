using Kindling.Artifacts.Files;
using Kindling.Artifacts.Storage;
using Kindling.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Kindling.Artifacts.Tests.Files;

/// <summary>Expiry of multipart uploads is measured with the store's <see cref="TimeProvider"/> against the folders' mtimes.</summary>
public sealed class MultipartExpiryTests : IDisposable
{
    private readonly TempDirectory _dir = new("kindling-multipart");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly FileStore _files;

    public MultipartExpiryTests() => _files = FileStore.Open(BlobStore.Open(_dir.Path), _time);

    public void Dispose() => _dir.Dispose();

    private bool Exists(string id) => Directory.Exists(Path.Combine(_files.Multipart.Directory, id));

    [Fact]
    public void UploadWithoutParts_IsDropped_OnlyOnceTheClockPassesTheEmptyExpiry()
    {
        var empty = _files.Multipart.Create("kubean", "a.iso");

        _time.Advance(_files.Multipart.Limits.EmptyExpiry - TimeSpan.FromMinutes(5));
        _files.Multipart.Create("kubean", "b.iso");
        Assert.True(Exists(empty), "dropped before its expiry");

        _time.Advance(TimeSpan.FromMinutes(10));
        _files.Multipart.Create("kubean", "c.iso");
        Assert.False(Exists(empty), "kept after its expiry");
    }
}
