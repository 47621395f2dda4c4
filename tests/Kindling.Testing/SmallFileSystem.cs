using System.Diagnostics;

namespace Kindling.Testing;

/// <summary>
/// A real small file system for disk-full tests: a tmpfs of a given size mounted on a fresh temp folder (needs root;
/// <see cref="Requires.Root"/> says so loudly), unmounted and removed on dispose. Writes past its size fail with
/// ENOSPC exactly as on a full disk. <see cref="Fill"/> takes the free space down to a given amount with a filler file
/// that <see cref="Free"/> removes again.
/// </summary>
public sealed class SmallFileSystem : IDisposable
{
    private readonly List<string> _fillers = [];

    private SmallFileSystem(TempDirectory? directory, string path, long size)
    {
        _owned = directory;
        Path = path;
        Size = size;
    }

    private readonly TempDirectory? _owned;

    /// <summary>The mount point as a temp folder (pass it as a node's data folder); only for <see cref="Mount"/>.</summary>
    public TempDirectory Directory => _owned ?? throw new InvalidOperationException("mounted on a given folder: use Path");

    public string Path { get; }

    public long Size { get; }

    /// <summary>Mounts a tmpfs of <paramref name="bytes"/> bytes (rounded up to pages by the kernel).</summary>
    public static SmallFileSystem Mount(long bytes, string prefix = "kindling-full")
    {
        Requires.Root("mounting a small tmpfs to fill it (a real ENOSPC)");
        var directory = new TempDirectory(prefix);
        Run("mount", "-t", "tmpfs", "-o", $"size={bytes},mode=0755", "tmpfs", directory.Path);
        return new SmallFileSystem(directory, directory.Path, bytes);
    }

    /// <summary>Mounts a tmpfs of <paramref name="bytes"/> bytes on <paramref name="path"/> (created if missing); dispose unmounts it and leaves the folder.</summary>
    public static SmallFileSystem MountAt(string path, long bytes)
    {
        Requires.Root("mounting a small tmpfs to fill it (a real ENOSPC)");
        System.IO.Directory.CreateDirectory(path);
        Run("mount", "-t", "tmpfs", "-o", $"size={bytes},mode=0755", "tmpfs", path);
        return new SmallFileSystem(null, path, bytes);
    }

    /// <summary>Bytes available now (statvfs).</summary>
    public long Available => new DriveInfo(Path).AvailableFreeSpace;

    /// <summary>Writes a filler file so that about <paramref name="leaveBytes"/> stay free; returns its path.</summary>
    public string Fill(long leaveBytes)
    {
        var filler = System.IO.Path.Combine(Path, $"filler-{_fillers.Count}");
        var take = Math.Max(0, Available - leaveBytes);
        using (var stream = new FileStream(filler, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0))
        {
            var chunk = new byte[1024 * 1024];
            for (long left = take; left > 0;)
            {
                var n = (int)Math.Min(chunk.Length, left);
                stream.Write(chunk, 0, n);
                left -= n;
            }
        }

        _fillers.Add(filler);
        return filler;
    }

    /// <summary>Removes every filler file (the operator freeing space).</summary>
    public void Free()
    {
        foreach (var filler in _fillers)
        {
            File.Delete(filler);
        }

        _fillers.Clear();
    }

    /// <summary>Every file under <paramref name="relative"/> (e.g. "store/tmp"), relative paths, for "nothing left behind" checks.</summary>
    public IReadOnlyList<string> FilesUnder(string relative)
    {
        var folder = System.IO.Path.Combine(Path, relative);
        return System.IO.Directory.Exists(folder)
            ? System.IO.Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Select(f => System.IO.Path.GetRelativePath(Path, f)).ToList()
            : [];
    }

    public void Dispose()
    {
        // Lazy: a file a test still holds open must not leave the mount behind.
        Run("umount", "-l", Path);
        _owned?.Dispose();
    }

    private static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed (exit {process.ExitCode}): {error}");
        }
    }
}
