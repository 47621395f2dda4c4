using Microsoft.Extensions.Logging;

namespace Kindling.Health.Peers;

/// <summary>The peer mesh's log lines: rejected views (forged, replayed, stale), and peers becoming unreachable or reachable.</summary>
internal static partial class PeerLog
{
    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "peer view from {Remote} (sender {Sender}) rejected, {Result}: {Detail} ({Count} so far, this one counted under {Label})")]
    public static partial void Rejected(ILogger logger, string remote, string sender, string result, string detail, long count, string label);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "peer {Peer} unreachable: {Error}; its view counts until it is {MaxAge} old")]
    public static partial void Unreachable(ILogger logger, string peer, string error, string maxAge);

    [LoggerMessage(EventId = 42, Level = LogLevel.Information, Message = "peer {Peer} reachable")]
    public static partial void Reachable(ILogger logger, string peer);

    [LoggerMessage(EventId = 43, Level = LogLevel.Information, Message = "peers: this instance is {Self}; exchanging views with {Peers} (fresh for {MaxAge}, heartbeat every {Interval})")]
    public static partial void Started(ILogger logger, string self, string peers, string maxAge, string interval);
}
