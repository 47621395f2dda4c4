using System.Runtime.InteropServices;
using System.Text;

namespace Kindling.Artifacts.Storage;

/// <summary>
/// Crash-safe file updates: write a temporary file in the store's <c>tmp/</c> folder, fsync it, rename it over
/// the target (atomic on POSIX file systems), then fsync the target's folder so the rename itself survives a
/// power cut. A reader sees the old or the new file, never a partial one; a crash leaves at most a temporary file.
/// </summary>
internal static partial class DurableFile
{
    private static int _counter;

    /// <summary>A fresh temporary path in <paramref name="tempDirectory"/> (same file system as the store).</summary>
    public static string TempPath(string tempDirectory, string hint) =>
        Path.Combine(tempDirectory, $"{hint}.{Environment.ProcessId}.{Interlocked.Increment(ref _counter)}.{Guid.NewGuid():N}.tmp");

    public static void WriteAllText(string tempDirectory, string path, string content) =>
        WriteAllBytes(tempDirectory, path, Encoding.UTF8.GetBytes(content));

    public static void WriteAllBytes(string tempDirectory, string path, ReadOnlySpan<byte> content)
    {
        var temp = TempPath(tempDirectory, Path.GetFileName(path));
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            MoveIntoPlace(temp, path);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Renames an fsynced temporary file over <paramref name="path"/> and fsyncs the folder.</summary>
    public static void MoveIntoPlace(string temp, string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        File.Move(temp, path, overwrite: true);
        SyncDirectory(directory);
    }

    /// <summary>Deletes a file and makes the deletion durable.</summary>
    public static bool Delete(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        SyncDirectory(Path.GetDirectoryName(path)!);
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

    /// <summary>fsync(2) on a folder: makes renames and unlinks in it durable (no-op where unsupported).</summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        var fd = Open(directory, ORdOnly | (OperatingSystem.IsLinux() ? ODirectoryLinux : ODirectoryMac));
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

    private const int ORdOnly = 0;
    private const int ODirectoryLinux = 0x10000;
    private const int ODirectoryMac = 0x100000;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
