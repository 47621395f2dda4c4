using System.Globalization;

namespace Kindling.Installer.Service;

/// <summary>
/// <c>DIR/run/node.pid</c>: the supervisor's PID and its start time (field 22 of /proc/PID/stat), so a PID reused
/// by an unrelated process after a crash is never mistaken for ours, and never signalled.
/// </summary>
internal sealed record PidFile(string Path)
{
    public static PidFile For(string dataDir) => new(System.IO.Path.Combine(System.IO.Path.GetFullPath(dataDir), "run", "node.pid"));

    /// <summary><c>DIR/run/serve.pid</c>: the server process the supervisor runs.</summary>
    public static PidFile ServerFor(string dataDir) => new(System.IO.Path.Combine(System.IO.Path.GetFullPath(dataDir), "run", "serve.pid"));

    public void Write(int pid) =>
        DurableFile.WriteAllText(Path, $"{pid}\n{StartTimeOf(pid)}\n");

    /// <summary>The PID when the file names a live process that is still the one that wrote it; otherwise null.</summary>
    public int? ReadLive()
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        if (lines.Length < 2 || !int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return null;
        }

        var started = StartTimeOf(pid);
        return started is not null && started == lines[1] ? pid : null;
    }

    public void Delete()
    {
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The process's start time in clock ticks since boot, or null when it does not exist.</summary>
    internal static string? StartTimeOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");

            // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19 ? fields[19] : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
