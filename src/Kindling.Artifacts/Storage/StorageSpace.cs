namespace Kindling.Artifacts.Storage;

/// <summary>How full the data folder's file system is, against the node's two thresholds.</summary>
public enum SpaceLevel
{
    /// <summary>Above the low-space threshold.</summary>
    Ok,

    /// <summary>Below <c>--low-space</c>: /healthz says degraded (reads and writes still work).</summary>
    Low,

    /// <summary>Below <c>--min-free</c>: writes are refused before they start (reads still work).</summary>
    Full,
}

/// <summary>One reading of the data folder's free space and what it means.</summary>
public readonly record struct SpaceReading(long FreeBytes, long SizeBytes, long LowBelowBytes, long MinFreeBytes)
{
    /// <summary>False when the file system could not be read (statvfs failed): nothing is refused then.</summary>
    public bool Known => FreeBytes >= 0;

    public SpaceLevel Level => !Known ? SpaceLevel.Ok
        : FreeBytes < MinFreeBytes ? SpaceLevel.Full
        : FreeBytes < LowBelowBytes ? SpaceLevel.Low
        : SpaceLevel.Ok;

    public string LevelText => Level switch { SpaceLevel.Low => "low", SpaceLevel.Full => "full", _ => "ok" };
}

/// <summary>
/// The free-space guard of a node's data folder: reads the file system (statvfs) and compares it with the low-space
/// threshold (default 5 %: /healthz reports <c>degraded</c>) and the minimum free space (default the smaller of 1 % and
/// 256 MiB: writes are refused up front with <see cref="StorageFullException"/>, and a write whose announced length
/// would cross it too). Deletes are never refused: they free space. The probe is injectable for tests.
/// </summary>
public sealed class StorageSpace(string directory, Func<(long Free, long Size)>? probe = null)
{
    /// <summary>The default low-space threshold: 5 % of the file system.</summary>
    public static readonly SpaceThreshold DefaultLow = SpaceThreshold.OfPercent(5);

    /// <summary>The cap on the default minimum free space: 256 MiB (1 % of a disk above 25 GiB would hold back more than the node needs).</summary>
    public const long DefaultMinFreeCap = 256L * 1024 * 1024;

    private readonly Func<(long Free, long Size)> _probe = probe ?? (() => StorageFullException.Space(directory));

    /// <summary>The folder whose file system is watched (<c>DIR/store</c>).</summary>
    public string Directory { get; } = directory;

    /// <summary><c>--low-space</c>.</summary>
    public SpaceThreshold Low { get; set; } = DefaultLow;

    /// <summary><c>--min-free</c>; null: the smaller of 1 % of the file system and <see cref="DefaultMinFreeCap"/>.</summary>
    public SpaceThreshold? MinFree { get; set; }

    public SpaceReading Read()
    {
        var (free, size) = _probe();
        var minFree = MinFree is { } m ? m.Resolve(size) : Math.Min(SpaceThreshold.OfPercent(1).Resolve(size), DefaultMinFreeCap);
        return new SpaceReading(free, size, Low.Resolve(size), minFree);
    }

    /// <summary>
    /// Refuses a write before it starts when the free space is below the minimum, or when <paramref name="incoming"/>
    /// bytes (a Content-Length) would take it there. <paramref name="what"/> names the write for the message.
    /// </summary>
    public void EnsureRoom(string what, long? incoming = null)
    {
        var reading = Read();
        if (!reading.Known || reading.MinFreeBytes <= 0)
        {
            return;
        }

        if (reading.FreeBytes < reading.MinFreeBytes || (incoming is > 0 && reading.FreeBytes - incoming.Value < reading.MinFreeBytes))
        {
            var need = incoming is > 0 ? $" ({StorageFullException.Mib(incoming.Value)} announced)" : "";
            throw new StorageFullException(what + need, Directory, early: true);
        }
    }
}
