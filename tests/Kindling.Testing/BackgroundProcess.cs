using System.Diagnostics;
using System.Text;

namespace Kindling.Testing;

/// <summary>
/// A long-running program a test starts (a server), with its output collected, a wait for a line, and the
/// two ways it can end: a signal (SIGTERM, to test draining) or SIGKILL (to test crash safety). Killed (with its
/// children, by its own PID) on dispose.
/// </summary>
public sealed class BackgroundProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private BackgroundProcess(Process process, string description)
    {
        _process = process;
        Description = description;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Starts <paramref name="file"/> at once, like <see cref="Start"/>, optionally in a working folder.</summary>
    public BackgroundProcess(string file, IEnumerable<string> args, string? workingDirectory = null)
        : this(Launch(file, args, null, workingDirectory), $"{Path.GetFileName(file)} {string.Join(' ', args)}")
    {
    }

    /// <summary>What runs, for messages.</summary>
    public string Description { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static BackgroundProcess Start(string file, IEnumerable<string> args, IDictionary<string, string>? env = null) =>
        new(Launch(file, args, env, null), $"{Path.GetFileName(file)} {string.Join(' ', args)}");

    private static Process Launch(string file, IEnumerable<string> args, IDictionary<string, string>? env, string? workingDirectory)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory ?? "" };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        return new Process { StartInfo = psi };
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; fails with the output if the process ends or time runs out.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"'{text}' did not appear (exited: {_process.HasExited}); output:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Sends a signal by number (15 SIGTERM, 9 SIGKILL) to this process only.</summary>
    public void Signal(int signal)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>Kills the process (SIGKILL, with its children) and waits for it.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }
}
