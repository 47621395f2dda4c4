using System.Runtime.InteropServices;
using System.Text;

namespace Kindling.IO;

/// <summary>
/// The one way Kindling persists a file (blobs, manifests, links, state files, journals' folders, multipart parts,
/// credentials, keys, unit files): write a temporary file on the same file system (next to the target, or in a
/// store's <c>tmp/</c> folder that is cleaned at start), fsync it, give it its mode, rename it over the target
/// (atomic on POSIX file systems), then fsync the target's folder so the rename itself survives a power cut. A
/// reader sees the old file or the new one, never a partial one; a failed write leaves neither a partial target
/// nor its temporary file; a crash leaves at most a temporary file.
/// </summary>
/// <remarks>
/// One source file, compiled into each project that writes files (<c>src/Shared</c>, linked by the projects):
/// Kindling.Dns.Server and Kindling.Health do not reference Kindling.Artifacts, and Kindling.Dns, the only
/// project below all of them, does no I/O by design.
/// </remarks>
internal static partial class DurableFile
{
    /// <summary>Mode 0600: credentials and private keys.</summary>
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static int _counter;

    /// <summary>A fresh temporary path in <paramref name="directory"/> (which must be on the target's file system).</summary>
    public static string TempPath(string directory, string hint) =>
        Path.Combine(directory, $".{hint}.{Environment.ProcessId}.{Interlocked.Increment(ref _counter)}.{Guid.NewGuid():N}.tmp");

    /// <summary>Replaces <paramref name="path"/> with what <paramref name="write"/> writes to the stream it is given.</summary>
    /// <param name="mode">The file's mode (e.g. <see cref="OwnerOnly"/>); the temporary file is created with it, so the
    /// content is never readable more widely. Null: the process's default (0666 less the umask).</param>
    /// <param name="tempDirectory">Where the temporary file goes; null: the target's folder.</param>
    public static void Write(string path, Action<Stream> write, UnixFileMode? mode = null, string? tempDirectory = null)
    {
        var (full, temp) = Prepare(path, tempDirectory);
        try
        {
            using (var stream = Create(temp, mode))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            Finish(temp, full, mode);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <summary>The streaming form of <see cref="Write"/>: <paramref name="write"/> copies into the stream.</summary>
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, UnixFileMode? mode = null, string? tempDirectory = null,
        CancellationToken cancellationToken = default)
    {
        var (full, temp) = Prepare(path, tempDirectory);
        try
        {
            await using (var stream = Create(temp, mode))
            {
                await write(stream, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            Finish(temp, full, mode);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content, UnixFileMode? mode = null, string? tempDirectory = null)
    {
        var (full, temp) = Prepare(path, tempDirectory);
        try
        {
            using (var stream = Create(temp, mode))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            Finish(temp, full, mode);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    public static void WriteAllText(string path, string content, UnixFileMode? mode = null, string? tempDirectory = null) =>
        WriteAllBytes(path, Encoding.UTF8.GetBytes(content), mode, tempDirectory);

    /// <summary>
    /// For a writer that must see its bytes before it knows the target (a blob named by its digest, an object checked
    /// against its signature): renames its temporary file, which it has already fsynced, over <paramref name="path"/>
    /// and fsyncs the folder. The caller deletes the temporary file when this throws.
    /// </summary>
    public static void MoveIntoPlace(string fsyncedTemp, string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        File.Move(fsyncedTemp, path, overwrite: true);
        SyncDirectory(directory);
    }

    /// <summary>Deletes a file and makes the deletion durable; false when there was none.</summary>
    public static bool Delete(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return true;
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>fsync(2) on a folder: makes renames, creations and unlinks in it durable (skipped where the file system refuses).</summary>
    public static void SyncDirectory(string directory)
    {
        var fd = Open(directory, ORdOnly | ODirectory | OCloexec);
        if (fd < 0)
        {
            return;
        }

        try
        {
            _ = Fsync(fd);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static (string Full, string Temp) Prepare(string path, string? tempDirectory)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        if (tempDirectory is not null)
        {
            Directory.CreateDirectory(tempDirectory);
        }

        return (full, TempPath(tempDirectory ?? directory, Path.GetFileName(full)));
    }

    private static FileStream Create(string temp, UnixFileMode? mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0 };
        if (mode is { } m)
        {
            options.UnixCreateMode = m;
        }

        return new FileStream(temp, options);
    }

    private static void Finish(string temp, string full, UnixFileMode? mode)
    {
        if (mode is { } m)
        {
            File.SetUnixFileMode(temp, m); // the umask may have narrowed the creation mode
        }

        File.Move(temp, full, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(full)!);
    }

    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000; // Linux (Kindling is Linux-only)
    private const int OCloexec = 0x80000;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
