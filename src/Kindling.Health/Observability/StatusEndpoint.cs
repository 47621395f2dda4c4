using System.Net;
using System.Text;
using Kindling.Health.Failover;

namespace Kindling.Health.Observability;

/// <summary>
/// A small HTTP listener (no ASP.NET Core: the DNS side stays lean) serving <c>GET /metrics</c> (Prometheus text),
/// <c>GET /status</c> (JSON) and the status page at <c>/</c> (which polls <c>/status</c>) for a running monitor. Bind it to loopback or a management address.
/// </summary>
public sealed class StatusEndpoint : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly FailoverMonitor _monitor;
    private readonly Func<string>? _extraMetrics;
    private readonly Task _serving;

    /// <param name="extraMetrics">More Prometheus text to append (e.g. the DNS server's counters).</param>
    public StatusEndpoint(IPEndPoint endpoint, FailoverMonitor monitor, Func<string>? extraMetrics = null)
    {
        _monitor = monitor;
        _extraMetrics = extraMetrics;
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

            try
            {
                Answer(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException)
            {
                // The client went away.
            }
        }
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
            ("GET", "/metrics") => (200, FailoverMetrics.ContentType, Encoding.UTF8.GetBytes(FailoverMetrics.Render(_monitor) + (_extraMetrics?.Invoke() ?? ""))),
            ("GET", "/status") => (200, "application/json", Encoding.UTF8.GetBytes(FailoverStatusJson.Render(Trim(_monitor.Status(), context.Request.QueryString["checks"])))),
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
