using Kindling.Installer.Steps;
using Spectre.Console;

namespace Kindling.Cli;

/// <summary>
/// Draws the installation for a person: a line per step, progress bars for long imports when the terminal is
/// interactive (plain percentage lines when output is redirected), nothing but warnings with --quiet.
/// </summary>
internal sealed class ConsoleInstallReporter(bool quiet) : IInstallReporter
{
    private readonly bool _interactive = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public void StepStarted(int number, string title)
    {
        if (!quiet)
        {
            Console.WriteLine($"step {number}: {title}");
        }
    }

    public void StepFinished(int number, string summary)
    {
        if (!quiet)
        {
            Console.WriteLine($"step {number} done: {summary}");
        }
    }

    public void Info(string line)
    {
        if (!quiet)
        {
            Console.WriteLine("  " + line);
        }
    }

    public void Warn(string line) => Console.Error.WriteLine("kindling: warning: " + line);

    public IProgressBar Progress(string description, long total) =>
        quiet || total <= 0 ? new SilentBar() : _interactive ? new SpectreBar(description, total) : new LineBar(description, total);

    private sealed class SilentBar : IProgressBar
    {
        public void Advance(long amount)
        {
        }

        public void Dispose()
        {
        }
    }

    /// <summary>Percentages at each quarter, for logs and CI.</summary>
    private sealed class LineBar(string description, long total) : IProgressBar
    {
        private long _done;
        private int _quarter;

        public void Advance(long amount)
        {
            var done = Interlocked.Add(ref _done, amount);
            var quarter = (int)(4 * done / total);
            while (quarter > _quarter && _quarter < 4)
            {
                _quarter++;
                Console.WriteLine($"  {description}: {_quarter * 25}%");
            }
        }

        public void Dispose()
        {
        }
    }

    /// <summary>
    /// A Spectre progress display running until the bar is disposed. Advances made before the display has added its
    /// task are kept and handed to the task when it exists (no thread waits for the display to start).
    /// </summary>
    private sealed class SpectreBar : IProgressBar
    {
        private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Task _display;
        private readonly Lock _gate = new();
        private ProgressTask? _task; // guarded by _gate
        private long _pending; // guarded by _gate: advances made before _task existed

        public SpectreBar(string description, long total)
        {
            _display = AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(Markup.Escape(description), maxValue: total);
                    lock (_gate)
                    {
                        _task = task;
                        if (_pending > 0)
                        {
                            task.Increment(_pending);
                            _pending = 0;
                        }
                    }

                    await _finished.Task;
                    task.Value = task.MaxValue;
                });
        }

        public void Advance(long amount)
        {
            lock (_gate)
            {
                if (_task is { } task)
                {
                    task.Increment(amount);
                }
                else
                {
                    _pending += amount;
                }
            }
        }

        public void Dispose()
        {
            _finished.TrySetResult();
            _display.GetAwaiter().GetResult();
        }
    }
}
