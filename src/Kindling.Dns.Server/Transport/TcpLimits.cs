namespace Kindling.Dns.Server.Transport;

/// <summary>
/// What one DNS-over-TCP listener allows (RFC 7766 §6.2.3, §10: servers protect themselves with per-client limits and
/// idle timeouts). When <see cref="MaxConnections"/> is reached, the connection that has been idle longest is closed
/// to admit the new one (as Knot and BIND do); only when none is idle is the new one refused. A client that has
/// <see cref="MaxConnectionsPerClient"/> open gets its next connection closed at once.
/// </summary>
public sealed record TcpLimits
{
    /// <summary>Open connections per listening address (named.conf <c>tcp-clients</c>). Default 1,000.</summary>
    public int MaxConnections { get; init; } = 1000;

    /// <summary>Open connections per client address (<c>kindling dns serve --tcp-clients-per-address</c>). Default 64.</summary>
    public int MaxConnectionsPerClient { get; init; } = 64;

    /// <summary>
    /// How long a connection may wait for its first query, and for each next one, including the time to receive the
    /// whole message (named.conf <c>tcp-initial-timeout</c> / <c>tcp-idle-timeout</c>, in BIND's tenths of a second).
    /// Default 10 s, as Knot's <c>tcp-idle-timeout</c> (BIND: 30 s).
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one response message (or one message of a zone transfer) may take to be sent. Default 10 s.</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Checks the values; the message names the setting.</summary>
    public void Validate()
    {
        if (MaxConnections < 1 || MaxConnectionsPerClient < 1)
        {
            throw new ArgumentException($"TCP connection limits must be at least 1 (tcp-clients {MaxConnections}, per address {MaxConnectionsPerClient})");
        }

        if (IdleTimeout <= TimeSpan.Zero || SendTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"TCP timeouts must be positive (idle {IdleTimeout}, send {SendTimeout})");
        }
    }
}
