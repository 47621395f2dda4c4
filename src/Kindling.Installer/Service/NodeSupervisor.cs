using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Kindling.Installer.Service;

/// <summary>
/// Keeps <c>kindling node serve</c> running where no systemd is: starts it, restarts it after a crash with a
/// growing delay (1 s doubling to 30 s, reset after a minute of uptime), and on SIGTERM/SIGINT sends SIGTERM to the
/// server (which drains, then lets in-flight requests finish), then exits 0. Output goes to <c>DIR/logs/node.log</c>.
/// </summary>
public sealed class NodeSupervisor(string executable, IReadOnlyList<string> serveArguments, string dataDir, TextWriter log, TimeProvider? time = null)
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StableUptime = TimeSpan.FromMinutes(1);

    /// <summary>How long a stopping server may take: its drain (60 s by default) and then its in-flight requests (30 s).</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(100);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stopping.Cancel(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stopping.Cancel(); });
        var pidFile = PidFile.For(dataDir);
        pidFile.Write(Environment.ProcessId);
        var delay = TimeSpan.FromSeconds(1);
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var started = _time.GetUtcNow();
                using var child = Start();
                PidFile.ServerFor(dataDir).Write(child.Id);
                Log($"started kindling node serve (pid {child.Id})");
                try
                {
                    await child.WaitForExitAsync(stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    Log($"stopping: SIGTERM to pid {child.Id}: it drains, then lets in-flight requests finish");
                    Signal(child.Id, 15);
                    if (!child.WaitForExit(StopTimeout))
                    {
                        Log($"pid {child.Id} did not stop within {StopTimeout.TotalSeconds:0} s: killing it");
                        child.Kill();
                    }

                    break;
                }

                if (_time.GetUtcNow() - started > StableUptime)
                {
                    delay = TimeSpan.FromSeconds(1);
                }

                Log($"kindling node serve exited with code {child.ExitCode}; restarting in {delay.TotalSeconds:0} s");
                try
                {
                    await Task.Delay(delay, _time, stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                delay = delay * 2 > MaxDelay ? MaxDelay : delay * 2;
            }
        }
        finally
        {
            pidFile.Delete();
            PidFile.ServerFor(dataDir).Delete();
            Log("supervisor stopped");
        }

        return 0;
    }

    private Process Start()
    {
        var psi = new ProcessStartInfo(executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in serveArguments)
        {
            psi.ArgumentList.Add(argument);
        }

        var process = Process.Start(psi) ?? throw new InstallerException($"cannot start {executable}");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { Log(e.Data, raw: true); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Log(e.Data, raw: true); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Log(string line, bool raw = false)
    {
        lock (log)
        {
            log.WriteLine(raw ? line : $"{_time.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fffZ} supervisor: {line}");
            log.Flush();
        }
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int SysKill(int pid, int signal);

    /// <summary>Sends a POSIX signal (Process.Kill only sends SIGKILL, which would skip the drain).</summary>
    public static bool Signal(int pid, int signal) => SysKill(pid, signal) == 0;
}
