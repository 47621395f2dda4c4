using System.Diagnostics;

namespace Kindling.Demo;

/// <summary>
/// The demo's own processes (the DNS server; everything else runs through kindling commands), each logging to
/// a file in the work folder. Only these PIDs are ever signalled; disposing stops them all.
/// </summary>
internal sealed class ChildProcesses(string executable, string logDirectory) : IDisposable
{
    private readonly Dictionary<string, Process> _running = new(StringComparer.Ordinal);

    public Process Start(string name, IEnumerable<string> arguments)
    {
        Directory.CreateDirectory(logDirectory);
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$KINDLING_DEMO_LOG\" 2>&1 </dev/null");
        psi.ArgumentList.Add(executable);
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        psi.Environment["KINDLING_DEMO_LOG"] = LogPath(name);
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {executable}");
        _running[name] = process;
        return process;
    }

    /// <summary>Kills one of these processes at once (SIGKILL, as <c>kill -9</c>), by its PID.</summary>
    public void Kill(string name)
    {
        if (_running.TryGetValue(name, out var process) && !process.HasExited)
        {
            process.Kill();
            process.WaitForExit(5000);
        }
    }

    public string LogPath(string name) => Path.Combine(logDirectory, name + ".log");

    /// <summary>Runs a kindling command to the end, its output appended to the named log; returns exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> RunAsync(string name, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {executable}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var output = await stdout + await stderr;
        Directory.CreateDirectory(logDirectory);
        await File.AppendAllTextAsync(LogPath(name), $"$ kindling {string.Join(' ', psi.ArgumentList)}\n{output}\n", cancellationToken);
        return (process.ExitCode, output);
    }

    public void Dispose()
    {
        foreach (var process in _running.Values)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill();
                    process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }

        _running.Clear();
    }
}
