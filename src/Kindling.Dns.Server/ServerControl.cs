using System.Globalization;
using System.Runtime.InteropServices;

namespace Kindling.Dns.Server;

/// <summary>
/// Tells a running <c>kindling dns serve</c> to reload, as <c>rndc reload</c> does for BIND: the server records its
/// process id in a pid file, and <see cref="Reload"/> sends it SIGHUP.
/// </summary>
public static partial class ServerControl
{
    public const string DefaultPidFile = "/run/kindling-dns.pid";
    private const int SigHup = 1;

    /// <summary>Writes this process's id (durably: temp file, fsync, rename, so a reader never sees half of it).</summary>
    public static void WritePidFile(string path) =>
        DurableFile.WriteAllText(path, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");

    /// <summary>Sends SIGHUP to the server named by the pid file; returns what happened, or throws with what to do.</summary>
    public static int Reload(string pidFile)
    {
        if (!File.Exists(pidFile))
        {
            throw new InvalidOperationException($"pid file {pidFile} does not exist: is 'kindling dns serve' running (with --pid-file {pidFile})?");
        }

        var text = File.ReadAllText(pidFile).Trim();
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 1)
        {
            throw new InvalidOperationException($"pid file {pidFile} does not hold a process id ('{text}')");
        }

        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            throw new PlatformNotSupportedException("reload by signal needs Linux or macOS");
        }

        if (Kill(pid, SigHup) != 0)
        {
            throw new InvalidOperationException($"cannot signal process {pid} from {pidFile} (errno {Marshal.GetLastPInvokeError()}): is the server still running?");
        }

        return pid;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
