using System.Net;
using System.Text;
using Kindling.Health.Failover;
using Kindling.Health.Peers;

namespace Kindling.Health.Observability;

/// <summary>
/// A small HTTP listener (no ASP.NET Core: the DNS side stays lean) serving <c>GET /metrics</c> (Prometheus text),
/// <c>GET /status</c> (JSON) and the status page at <c>/</c> (which polls <c>/status</c>) for a running monitor. Bind it to loopback or a management address.
/// With peers it also takes their views (<c>POST /v1/peer/view</c>, signed; bodies of at most 64 KiB read within
/// <see cref="BodyTimeout"/>) and serves this instance's own (<c>GET /v1/peer/view</c>). Requests are answered
/// concurrently, at most <see cref="MaxConcurrent"/> at a time (more get 503), so a slow client holds up nobody.
/// </summary>
public sealed class StatusEndpoint : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly FailoverMonitor _monitor;
    private readonly Func<string>? _extraMetrics;
    private readonly PeerMesh? _peers;
    private readonly Task _serving;
    private readonly SemaphoreSlim _slots = new(MaxConcurrent);

    /// <summary>Requests answered at once; more are refused with 503.</summary>
    public const int MaxConcurrent = 32;

    /// <summary>A request body (a peer's view) must arrive within this.</summary>
    public static readonly TimeSpan BodyTimeout = TimeSpan.FromSeconds(2);

    /// <param name="extraMetrics">More Prometheus text to append (e.g. the DNS server's counters).</param>
    /// <param name="peers">The peer mesh whose views this endpoint takes and whose state it reports; null without peers.</param>
    public StatusEndpoint(IPEndPoint endpoint, FailoverMonitor monitor, Func<string>? extraMetrics = null, PeerMesh? peers = null)
    {
        _monitor = monitor;
        _extraMetrics = extraMetrics;
        _peers = peers;
        var host = endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]" : endpoint.Address.ToString();
        _listener.Prefixes.Add($"http://{host}:{endpoint.Port}/");
        _listener.Start();
        Url = new Uri($"http://{host}:{endpoint.Port}/");
        _serving = ServeAsync();
    }

    public Uri Url { get; }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _serving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _listener.Close();
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            if (!_slots.Wait(0))
            {
                Refuse(context);
                continue;
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    await AnswerAsync(context);
                }
                catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
                {
                    // The client went away.
                }
                finally
                {
                    _slots.Release();
                }
            });
        }
    }

    private static void Refuse(HttpListenerContext context)
    {
        try
        {
            Send(context, 503, "text/plain", Encoding.UTF8.GetBytes("busy: too many requests at once\n"));
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var path = context.Request.Url?.AbsolutePath;
        if (path == "/v1/peer/view")
        {
            await AnswerPeerAsync(context);
            return;
        }

        Answer(context);
    }

    private async Task AnswerPeerAsync(HttpListenerContext context)
    {
        if (_peers is null)
        {
            Send(context, 404, "text/plain", Encoding.UTF8.GetBytes("no peers: this instance's failover file has no peers: section\n"));
            return;
        }

        switch (context.Request.HttpMethod)
        {
            case "GET":
                var (view, mac) = _peers.Current();
                context.Response.Headers[PeerViewCodec.MacHeader] = mac;
                Send(context, 200, "application/json", view);
                return;
            case "POST":
                var body = await ReadBodyAsync(context);
                if (body is null)
                {
                    return;
                }

                var receipt = _peers.Receive(body, context.Request.Headers[PeerViewCodec.MacHeader], context.Request.RemoteEndPoint);
                var status = receipt switch
                {
                    PeerReceipt.Accepted => 204,
                    PeerReceipt.RejectedMac => 403,
                    PeerReceipt.Malformed => 400,
                    _ => 409,
                };
                Send(context, status, "text/plain", status == 204 ? [] : Encoding.UTF8.GetBytes(PeerMesh.Result(receipt) + "\n"));
                return;
            default:
                Send(context, 405, "text/plain", Encoding.UTF8.GetBytes("GET or POST\n"));
                return;
        }
    }

    /// <summary>Reads a body of at most <see cref="PeerViewCodec.MaxBodyBytes"/> within <see cref="BodyTimeout"/>; null after answering 413 or 408.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpListenerContext context)
    {
        if (context.Request.ContentLength64 > PeerViewCodec.MaxBodyBytes)
        {
            Send(context, 413, "text/plain", Encoding.UTF8.GetBytes($"a peer view is at most {PeerViewCodec.MaxBodyBytes} bytes\n"));
            return null;
        }

        var buffer = new byte[PeerViewCodec.MaxBodyBytes + 1];
        var length = 0;
        using var timeout = new CancellationTokenSource(BodyTimeout);
        try
        {
            while (length < buffer.Length)
            {
                var read = await context.Request.InputStream.ReadAsync(buffer.AsMemory(length), timeout.Token).AsTask().WaitAsync(timeout.Token);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }
        }
        catch (OperationCanceledException)
        {
            context.Response.Abort();
            return null;
        }

        if (length > PeerViewCodec.MaxBodyBytes)
        {
            Send(context, 413, "text/plain", Encoding.UTF8.GetBytes($"a peer view is at most {PeerViewCodec.MaxBodyBytes} bytes\n"));
            return null;
        }

        return buffer[..length];
    }

    private static void Send(HttpListenerContext context, int status, string type, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = type;
        context.Response.Headers["Cache-Control"] = "no-store";
        context.Response.ContentLength64 = body.Length;
        context.Response.OutputStream.Write(body);
        context.Response.Close();
    }

    /// <summary><c>/status?checks=N</c> keeps the last N recent checks of each side (<c>kindling dns status</c> asks for a few).</summary>
    private static IReadOnlyList<RecordStatus> Trim(IReadOnlyList<RecordStatus> records, string? checks)
    {
        if (!int.TryParse(checks, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var keep))
        {
            return records;
        }

        return [.. records.Select(r => r with
        {
            Primary = r.Primary with { RecentChecks = [.. r.Primary.RecentChecks.TakeLast(keep)] },
            Backup = r.Backup with { RecentChecks = [.. r.Backup.RecentChecks.TakeLast(keep)] },
        })];
    }

    private void Answer(HttpListenerContext context)
    {
        var (status, type, body) = (context.Request.HttpMethod, context.Request.Url?.AbsolutePath) switch
        {
            ("GET", "/metrics") => (200, FailoverMetrics.ContentType, Encoding.UTF8.GetBytes(FailoverMetrics.Render(_monitor)
                + (_peers is null ? "" : PeerMetrics.Render(_peers, _monitor)) + (_extraMetrics?.Invoke() ?? ""))),
            ("GET", "/status") => (200, "application/json", Encoding.UTF8.GetBytes(FailoverStatusJson.Render(Trim(_monitor.Status(), context.Request.QueryString["checks"]), _peers))),
            ("GET", "/" or "/index.html") => (200, "text/html; charset=utf-8", StatusPage.Html),
            (not "GET", _) => (405, "text/plain", Encoding.UTF8.GetBytes("only GET\n")),
            _ => (404, "text/plain", Encoding.UTF8.GetBytes("not found: try / (status page), /metrics or /status\n")),
        };
        context.Response.StatusCode = status;
        context.Response.ContentType = type;
        context.Response.Headers["Cache-Control"] = "no-store";
        if (type.StartsWith("text/html", StringComparison.Ordinal))
        {
            context.Response.Headers["Content-Security-Policy"] = StatusPage.ContentSecurityPolicy;
            context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        }

        context.Response.ContentLength64 = body.Length;
        context.Response.OutputStream.Write(body);
        context.Response.Close();
    }
}
