using Kindling.Artifacts.Storage;

namespace Kindling.Artifacts.Tests.Storage;

/// <summary>The free-space guard with an injected file system reading (no real disk needed).</summary>
public class StorageSpaceTests
{
    private const long Mib = 1024 * 1024;
    private const long Gib = 1024 * Mib;

    private static StorageSpace Space(long free, long size) => new("/data/store", () => (free, size));

    [Theory]
    [InlineData("5%", 5.0, -1L)]
    [InlineData("0.5%", 0.5, -1L)]
    [InlineData("256MiB", -1.0, 256L * 1024 * 1024)]
    [InlineData("2 GiB", -1.0, 2L * 1024 * 1024 * 1024)]
    [InlineData("0", -1.0, 0L)]
    [InlineData("1048576", -1.0, 1048576L)]
    public void Parse_AcceptsSharesAndSizes(string text, double percent, long bytes)
    {
        Assert.True(SpaceThreshold.TryParse(text, out var threshold, out var error), error);
        Assert.Equal(new SpaceThreshold(percent, bytes), threshold);
    }

    [Theory]
    [InlineData("101%")]
    [InlineData("-1")]
    [InlineData("lots")]
    [InlineData("5MB")]
    public void Parse_RefusesWithTheText(string text)
    {
        Assert.False(SpaceThreshold.TryParse(text, out _, out var error));
        Assert.Contains($"'{text}'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultMinFree_IsOnePercent_CappedAt256MiB()
    {
        Assert.Equal(Gib / 100, Space(Gib, Gib).Read().MinFreeBytes);
        Assert.Equal(256 * Mib, Space(Gib, 1000 * Gib).Read().MinFreeBytes);
        Assert.Equal(5 * Gib, Space(Gib, 100 * Gib).Read().LowBelowBytes);
    }

    [Theory]
    [InlineData(50L, SpaceLevel.Ok)]
    [InlineData(4L, SpaceLevel.Low)]
    [InlineData(0L, SpaceLevel.Full)]
    public void Levels_FollowTheThresholds(long freeGib, SpaceLevel level)
    {
        // 100 GiB: low below 5 GiB, minimum 256 MiB.
        Assert.Equal(level, Space(freeGib * Gib, 100 * Gib).Read().Level);
    }

    [Fact]
    public void EnsureRoom_RefusesBelowTheMinimum_AndAnAnnouncedLengthThatWouldCrossIt()
    {
        var space = Space(300 * Mib, 100 * Gib);

        space.EnsureRoom("object kubean/a");
        space.EnsureRoom("object kubean/a", 40 * Mib);
        var crossing = Assert.Throws<StorageFullException>(() => space.EnsureRoom("object kubean/a", 50 * Mib));
        Assert.True(crossing.Early);
        Assert.Contains("no space left: object kubean/a (50.0 MiB announced) refused", crossing.ClientMessage, StringComparison.Ordinal);

        var below = Space(100 * Mib, 100 * Gib);
        Assert.Throws<StorageFullException>(() => below.EnsureRoom("a chart upload"));
    }

    [Fact]
    public void EnsureRoom_WithMinFreeZero_NeverRefuses_AndAnUnreadableDiskRefusesNothing()
    {
        var off = Space(0, 100 * Gib);
        off.MinFree = SpaceThreshold.OfBytes(0);
        off.EnsureRoom("anything", 10);
        Assert.Equal(SpaceLevel.Low, off.Read().Level);

        var unknown = Space(-1, -1);
        unknown.EnsureRoom("anything", 10 * Gib);
        Assert.Equal(SpaceLevel.Ok, unknown.Read().Level);
    }

    [Fact]
    public void IsDiskFull_RecognisesEnospcAndEdquot_InTheChain()
    {
        Assert.True(StorageFullException.IsDiskFull(new IOException("No space left on device", 28)));
        Assert.True(StorageFullException.IsDiskFull(new InvalidOperationException("x", new IOException("Disk quota exceeded", 122))));
        Assert.False(StorageFullException.IsDiskFull(new IOException("Input/output error", 5)));
        Assert.False(StorageFullException.IsDiskFull(new UnauthorizedAccessException()));
    }
}
