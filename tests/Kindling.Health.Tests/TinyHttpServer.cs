using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Kindling.Health.Tests;

/// <summary>
/// A minimal real HTTP/1.1 server (optionally over TLS) on a loopback address, for probing: it answers every
/// request with the current status and body, counts requests, and can be told to hang (never answer).
/// </summary>
internal sealed class TinyHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly X509Certificate2? _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _requests;

    public TinyHttpServer(IPAddress address, X509Certificate2? certificate = null)
    {
        _certificate = certificate;
        _listener = new TcpListener(address, 0);
        _listener.Start();
        Address = address;
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public IPAddress Address { get; }

    public int Port { get; }

    public int Status { get; set; } = 200;

    public string Body { get; set; } = "ok";

    /// <summary>When true, connections are accepted but never answered (a hung service).</summary>
    public bool Hang { get; set; }

    public int Requests => Volatile.Read(ref _requests);

    public string? LastHost { get; private set; }

    public string? LastMethod { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                Stream stream = client.GetStream();
                if (_certificate is not null)
                {
                    var tls = new SslStream(stream);
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token);
                    stream = tls;
                }

                var head = await ReadHeadAsync(stream);
                Interlocked.Increment(ref _requests);
                var lines = head.Split("\r\n");
                LastMethod = lines[0].Split(' ')[0];
                LastHost = lines.FirstOrDefault(l => l.StartsWith("Host:", StringComparison.OrdinalIgnoreCase))?[5..].Trim();
                if (Hang)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }

                var body = LastMethod == "HEAD" ? "" : Body;
                var response = $"HTTP/1.1 {Status} X\r\nContent-Length: {Encoding.UTF8.GetByteCount(Body)}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n{body}";
                await stream.WriteAsync(Encoding.UTF8.GetBytes(response), _stop.Token);
                await stream.FlushAsync(_stop.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException or SocketException)
            {
                // The client went away or rejected our certificate: that is what some tests check.
            }
        }
    }

    private static async Task<string> ReadHeadAsync(Stream stream)
    {
        var buffer = new byte[8192];
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(total));
            if (read == 0)
            {
                break;
            }

            total += read;
            if (Encoding.ASCII.GetString(buffer, 0, total).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                break;
            }
        }

        return Encoding.ASCII.GetString(buffer, 0, total);
    }
}
