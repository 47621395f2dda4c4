using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Kindling.Health.Probes;

/// <summary>
/// An HTTP or HTTPS check (RFC 9110): one request on a fresh connection, healthy when the status is expected
/// and, if asked, the body contains a given text. HTTPS verifies the certificate chain against the given CA
/// certificates (or the system trust store) and the certificate name against <c>host</c> or the address.
/// </summary>
internal sealed class HttpProbe : IHealthProbe, IDisposable
{
    private const int MaxBodyBytes = 64 * 1024;

    private readonly HttpMessageInvoker _client;
    private readonly Uri _url;
    private readonly HttpMethod _method;
    private readonly string? _host;
    private readonly IReadOnlyList<int> _expect;
    private readonly string? _bodyContains;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;

    public HttpProbe(Uri url, TimeSpan timeout, TimeProvider time, X509Certificate2Collection? trustedCas = null, string method = "GET",
        string? host = null, IReadOnlyList<int>? expectStatus = null, string? bodyContains = null)
    {
        _url = url;
        _timeout = timeout;
        _time = time;
        _method = new HttpMethod(method);
        _host = host;
        _expect = expectStatus ?? [];
        _bodyContains = bodyContains;
        var handler = new SocketsHttpHandler
        {
            // A fresh connection per probe: a client resolving the name opens a new one too, and a kept-alive
            // socket would hide a listener that no longer accepts.
            PooledConnectionLifetime = TimeSpan.Zero,
            ConnectTimeout = timeout,
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
        };
        if (trustedCas is not null)
        {
            handler.SslOptions = TlsTrust.Trusting(trustedCas);
        }

        _client = new HttpMessageInvoker(handler, disposeHandler: true);
        Target = url.ToString();
    }

    public string Target { get; }

    public async Task<ProbeOutcome> ProbeAsync(CancellationToken cancellationToken)
    {
        var start = _time.GetTimestamp();
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(_timeout);
        try
        {
            using var request = new HttpRequestMessage(_method, _url);
            if (_host is not null)
            {
                request.Headers.Host = _host; // also the TLS server name and the name the certificate must carry
            }

            using var response = await _client.SendAsync(request, timeoutSource.Token);
            var status = (int)response.StatusCode;
            if (!StatusAccepted(status))
            {
                // A Kindling node drained for maintenance says so: 503 {"status": "draining", ...}.
                if (status == 503 && (await ReadPrefixAsync(response.Content, timeoutSource.Token)).Contains("\"draining\"", StringComparison.Ordinal))
                {
                    return new ProbeOutcome(false, _time.GetElapsedTime(start), "draining (status 503: the node is being drained for planned work)", Draining: true);
                }

                return ProbeOutcome.Down(_time.GetElapsedTime(start), $"status {status}, expected {ExpectedText()}");
            }

            if (_bodyContains is not null)
            {
                var body = await ReadPrefixAsync(response.Content, timeoutSource.Token);
                if (!body.Contains(_bodyContains, StringComparison.Ordinal))
                {
                    return ProbeOutcome.Down(_time.GetElapsedTime(start), $"status {status} but the body does not contain \"{_bodyContains}\"");
                }
            }

            return ProbeOutcome.Up(_time.GetElapsedTime(start), $"status {status}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ProbeOutcome.Down(_time.GetElapsedTime(start), ProbeFailure.TimedOut(_timeout));
        }
        catch (HttpRequestException e)
        {
            return ProbeOutcome.Down(_time.GetElapsedTime(start), ProbeFailure.Describe(e));
        }
        catch (IOException e)
        {
            return ProbeOutcome.Down(_time.GetElapsedTime(start), ProbeFailure.Describe(e));
        }
    }

    public void Dispose() => _client.Dispose();

    private bool StatusAccepted(int status) => _expect.Count == 0 ? status is >= 200 and < 300 : _expect.Contains(status);

    private string ExpectedText() => _expect.Count == 0 ? "2xx" : string.Join(" or ", _expect.Select(s => s.ToString(CultureInfo.InvariantCulture)));

    private static async Task<string> ReadPrefixAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxBodyBytes];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }

        return Encoding.UTF8.GetString(buffer, 0, total);
    }
}
