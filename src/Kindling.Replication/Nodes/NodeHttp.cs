using System.Net;

namespace Kindling.Replication.Nodes;

/// <summary>
/// The one <see cref="HttpClient"/> a sync or verify run uses for every node: connections pooled per node and
/// reused (each TLS handshake costs more than a manifest request), up to the run's parallelism per node.
/// </summary>
internal static class NodeHttp
{
    public static HttpClient CreateClient(NodeTrust trust, int connectionsPerNode, TimeSpan? timeout = null,
        Func<string, CancellationToken, ValueTask<IPAddress?>>? resolve = null, CertificateLog? certificates = null)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = Math.Max(1, connectionsPerNode),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            SslOptions = trust.ClientOptions(certificates),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        if (resolve is not null)
        {
            // verify --dns: the domain is resolved through the given server, while TLS still checks the name.
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                var address = await resolve(context.DnsEndPoint.Host, cancellationToken);
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(address is null ? context.DnsEndPoint : new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        // Blob transfers of hundreds of MiB must not hit a whole-request timeout; stalls are caught by the caller's token.
        return new HttpClient(handler) { Timeout = timeout ?? Timeout.InfiniteTimeSpan };
    }
}
