using System.Net;
using System.Net.Sockets;

namespace Kindling.Health.Probes;

/// <summary>A TCP connect check: healthy when the three-way handshake completes within the timeout.</summary>
internal sealed class TcpProbe(IPEndPoint endpoint, TimeSpan timeout, TimeProvider time) : IHealthProbe
{
    public string Target { get; } = $"tcp://{endpoint}";

    public async Task<ProbeOutcome> ProbeAsync(CancellationToken cancellationToken)
    {
        var start = time.GetTimestamp();
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, timeoutSource.Token);
            return ProbeOutcome.Up(time.GetElapsedTime(start), "connected");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ProbeOutcome.Down(time.GetElapsedTime(start), ProbeFailure.TimedOut(timeout));
        }
        catch (SocketException e)
        {
            return ProbeOutcome.Down(time.GetElapsedTime(start), ProbeFailure.Describe(e));
        }
    }
}
