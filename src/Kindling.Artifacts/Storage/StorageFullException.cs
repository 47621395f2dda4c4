namespace Kindling.Artifacts.Storage;

/// <summary>
/// A write found no room in the node's data folder: the file system answered ENOSPC (or EDQUOT) while it wrote, or
/// <see cref="StorageSpace"/> refused it before a byte was written (<see cref="Early"/>), because the free space is
/// below the node's <c>--min-free</c>. Whatever the write had put down is already removed when this is thrown.
/// <see cref="Exception.Message"/> names the folder (for the log and the CLI); <see cref="ClientMessage"/> does not
/// (HTTP answers name no folder).
/// </summary>
public sealed class StorageFullException : IOException
{
    /// <summary>errno ENOSPC on Linux; .NET gives an <see cref="IOException"/> this HResult.</summary>
    public const int NoSpace = 28;

    /// <summary>errno EDQUOT on Linux (a quota is full: the same for the client).</summary>
    public const int QuotaExceeded = 122;

    public StorageFullException(string what, string directory, bool early, Exception? inner = null)
        : base(Describe(what, directory, early, withFolder: true), inner)
    {
        HResult = NoSpace;
        What = what;
        Directory = directory;
        Early = early;
        ClientMessage = Describe(what, directory, early, withFolder: false);
    }

    /// <summary>What was being written, e.g. "blob upload 3f2a... to 'library/nginx'".</summary>
    public string What { get; }

    /// <summary>The folder whose file system is full.</summary>
    public string Directory { get; }

    /// <summary>True when refused before writing (below <c>--min-free</c>); false when the file system itself was full.</summary>
    public bool Early { get; }

    /// <summary>The message for an HTTP client: what and why, without the folder.</summary>
    public string ClientMessage { get; }

    /// <summary>True for ENOSPC/EDQUOT anywhere in <paramref name="e"/>'s chain (and for this exception).</summary>
    public static bool IsDiskFull(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is IOException && (e.HResult is NoSpace or QuotaExceeded))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Free and total bytes of the file system holding <paramref name="path"/>; (-1, -1) when unknown.</summary>
    public static (long Free, long Size) Space(string path)
    {
        try
        {
            var drive = new DriveInfo(Path.GetFullPath(path));
            return (drive.AvailableFreeSpace, drive.TotalSize);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (-1, -1);
        }
    }

    private static string Describe(string what, string directory, bool early, bool withFolder)
    {
        var (free, size) = Space(directory);
        var where = withFolder ? $"the data folder's file system ({directory})" : "the node's data folder";
        var room = free < 0 ? "" : $" ({Mib(free)} free of {Mib(size)})";
        var cause = early
            ? $"no space left: {what} refused, {where} has less room than the node keeps free (--min-free){room}"
            : $"no space left on device: {what} failed, {where} is full{room}";
        return $"{cause}; nothing of it was kept. Free space (delete unused images, charts or files, or run kindling node gc) or grow the file system, then retry";
    }

    internal static string Mib(long bytes) => bytes >= 10L * 1024 * 1024 * 1024
        ? $"{bytes / (1024.0 * 1024 * 1024):0.0} GiB"
        : $"{bytes / (1024.0 * 1024):0.0} MiB";
}
