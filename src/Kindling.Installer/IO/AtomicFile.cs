namespace Kindling.Installer.IO;

/// <summary>
/// Replaces a file so that readers see the old content or the new, never a mix: write a temporary file in the
/// same folder, set its mode, fsync it, rename it over the target, fsync the folder.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode? mode = null)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = mode ?? (UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            if (mode is { } m && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, m); // the umask may have narrowed UnixCreateMode
            }

            File.Move(temp, full, overwrite: true);
            SyncDirectory(dir);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    public static void WriteText(string path, string content, UnixFileMode? mode = null) =>
        Write(path, System.Text.Encoding.UTF8.GetBytes(content), mode);

    /// <summary>Makes a rename durable: on Linux the folder entry must be flushed too.</summary>
    public static void SyncDirectory(string dir)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            using var handle = File.OpenHandle(dir, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.None);
            RandomAccess.FlushToDisk(handle);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Some filesystems refuse fsync on a folder; the rename itself is still atomic.
        }
    }

    /// <summary>Mode 0600: for private keys and credentials.</summary>
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
}
