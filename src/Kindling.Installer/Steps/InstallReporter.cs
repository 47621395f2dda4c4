namespace Kindling.Installer.Steps;

/// <summary>A progress bar for one long piece of work (bytes or items).</summary>
public interface IProgressBar : IDisposable
{
    void Advance(long amount);
}

/// <summary>How the installer tells the operator what it does; the CLI draws it, tests collect it.</summary>
public interface IInstallReporter
{
    void StepStarted(int number, string title);

    void StepFinished(int number, string summary);

    void Info(string line);

    void Warn(string line);

    IProgressBar Progress(string description, long total);
}

/// <summary>Writes timestamped lines to the install log (<c>-l</c>), and forwards them to a reporter.</summary>
public sealed class InstallLog(TextWriter writer, IInstallReporter reporter, TimeProvider? time = null) : IInstallReporter, IDisposable
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public void StepStarted(int number, string title)
    {
        Write($"step {number} started: {title}");
        reporter.StepStarted(number, title);
    }

    public void StepFinished(int number, string summary)
    {
        Write($"step {number} done: {summary}");
        reporter.StepFinished(number, summary);
    }

    public void Info(string line)
    {
        Write(line);
        reporter.Info(line);
    }

    public void Warn(string line)
    {
        Write("warning: " + line);
        reporter.Warn(line);
    }

    public IProgressBar Progress(string description, long total)
    {
        Write($"{description} ({total})");
        return reporter.Progress(description, total);
    }

    public void Write(string line)
    {
        lock (writer)
        {
            writer.WriteLine($"{_time.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fffZ} {line}");
            writer.Flush();
        }
    }

    public void Dispose() => writer.Dispose();
}
