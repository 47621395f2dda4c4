using Microsoft.Extensions.Logging;
using Xunit;

namespace Kindling.Testing;

/// <summary>A logger (and a factory whose loggers are itself) that keeps every line (level, formatted message) for assertions.</summary>
public sealed class LogLines : ILoggerFactory, ILogger
{
    private readonly List<(LogLevel Level, string Message)> _lines = [];

    public IReadOnlyList<(LogLevel Level, string Message)> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public override string ToString() => string.Join('\n', Lines.Select(l => $"{l.Level}: {l.Message}"));

    /// <summary>Waits until a line contains <paramref name="text"/>; fails with all lines after <paramref name="seconds"/>.</summary>
    public async Task<string> WaitForAsync(string text, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (Lines.FirstOrDefault(l => l.Message.Contains(text, StringComparison.Ordinal)).Message is { } line)
            {
                return line;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"no log line with '{text}' within {seconds} s; the log:\n{this}");
        return "";
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines)
        {
            _lines.Add((logLevel, formatter(state, exception)));
        }
    }

    public void Dispose()
    {
    }
}
