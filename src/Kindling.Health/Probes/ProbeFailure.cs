using System.Globalization;
using System.Net.Sockets;
using System.Security.Authentication;

namespace Kindling.Health.Probes;

/// <summary>Short, stable descriptions of why a probe failed, for logs, status and transition reasons.</summary>
internal static class ProbeFailure
{
    public static string TimedOut(TimeSpan timeout) =>
        $"timed out after {timeout.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms";

    public static string Describe(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case SocketException socket:
                    return socket.SocketErrorCode switch
                    {
                        SocketError.ConnectionRefused => "connection refused",
                        SocketError.ConnectionReset => "connection reset",
                        SocketError.HostUnreachable or SocketError.NetworkUnreachable => "unreachable",
                        SocketError.TimedOut => "timed out",
                        _ => $"socket error {socket.SocketErrorCode}",
                    };
                case AuthenticationException auth:
                    return $"TLS handshake failed: {auth.Message}";
            }
        }

        return e.Message;
    }
}
