using Microsoft.Extensions.Logging;

namespace Kindling.Health.Failover;

/// <summary>The monitor's log lines: one per transition and per side health change, each with its reason; first checks and stalls.</summary>
internal static partial class FailoverLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "{Name}: switched {From} -> {To}: {Reason}")]
    public static partial void Switched(ILogger logger, string name, string from, string to, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "{Name}: {Side} is {State}: {Detail}")]
    public static partial void SideChanged(ILogger logger, string name, string side, string state, string detail);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "{Name}: mode {Mode}, answering {Side}")]
    public static partial void ModeSet(ILogger logger, string name, string mode, string side);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "{Name}: failback waits for content parity: {Detail}")]
    public static partial void ParityPending(ILogger logger, string name, string detail);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "cannot save the failover state to {Path}: {Error}")]
    public static partial void SaveFailed(ILogger logger, string path, string error);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "a failover listener failed: {Error}")]
    public static partial void ListenerFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "{Name}: restored: answering {Side} (mode {Mode}, hold-down {HoldDown})")]
    public static partial void Restored(ILogger logger, string name, string side, string mode, string holdDown);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "{Name}: first check of the {Side}: {Detail}")]
    public static partial void FirstCheck(ILogger logger, string name, string side, string detail);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "{Name}: no check of the {Side} has finished for {Quiet} (expected every {Expected}; {Outstanding} still running): its checks have stalled, restarting them")]
    public static partial void Stalled(ILogger logger, string name, string side, string quiet, string expected, int outstanding);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "{Name}: checks of the {Side} resumed after {Quiet} without one")]
    public static partial void Resumed(ILogger logger, string name, string side, string quiet);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "{Name}: a check failed unexpectedly")]
    public static partial void Faulted(ILogger logger, string name, Exception error);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "{Name}: with the peers, the {Side} is {State}: {Detail}")]
    public static partial void Agreed(ILogger logger, string name, string side, string state, string detail);
}
