using Microsoft.Extensions.Logging;

namespace Kindling.Artifacts.Http.Drain;

/// <summary>The drain's log lines (source-generated).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "draining: /healthz answers 503 draining, every other route keeps serving; drained after {Quiet} s without a client request")]
    public static partial void DrainStarted(ILogger logger, double quiet);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "undrained: /healthz answers from its checks again")]
    public static partial void Undrained(ILogger logger);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "SIGTERM: draining before stopping (quiet {Quiet} s, timeout {Timeout} s)")]
    public static partial void Terminating(ILogger logger, double quiet, double timeout);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "drain {Outcome} after {Seconds:0.00} s ({Requests} client requests while draining, {InFlight} in flight); stopping")]
    public static partial void Stopping(ILogger logger, string outcome, double seconds, long requests, long inFlight);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "garbage collection: {Summary}")]
    public static partial void Collected(ILogger logger, string summary);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "fsck: {Summary}")]
    public static partial void Checked(ILogger logger, string summary);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "scheduled garbage collection failed (the next one runs in {Hours} h): {Error}")]
    public static partial void CollectionFailed(ILogger logger, double hours, string error);
}
