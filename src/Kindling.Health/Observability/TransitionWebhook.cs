using System.Text;
using System.Threading.Channels;
using Kindling.Health.Failover;
using Microsoft.Extensions.Logging;

namespace Kindling.Health.Observability;

/// <summary>
/// POSTs each transition as JSON to a URL, in order, from its own loop so a slow receiver never delays a
/// decision. At most 256 transitions wait; older ones are dropped (and logged) if the receiver is gone.
/// </summary>
internal sealed partial class TransitionWebhook : IAsyncDisposable
{
    private readonly Uri _url;
    private readonly HttpClient _client;
    private readonly ILogger _logger;
    private readonly Channel<FailoverTransition> _queue = Channel.CreateBounded<FailoverTransition>(
        new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly Task _sending;

    public TransitionWebhook(Uri url, ILogger logger, TimeSpan? timeout = null)
    {
        _url = url;
        _logger = logger;
        _client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = timeout ?? TimeSpan.FromSeconds(5) };
        _sending = SendAllAsync();
    }

    /// <summary>Subscribes to a monitor's transitions.</summary>
    public void Attach(FailoverMonitor monitor) => monitor.Transitioned += Enqueue;

    public void Enqueue(FailoverTransition transition) => _queue.Writer.TryWrite(transition);

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _sending.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _client.Dispose();
    }

    private async Task SendAllAsync()
    {
        await foreach (var transition in _queue.Reader.ReadAllAsync())
        {
            try
            {
                using var content = new StringContent(FailoverStatusJson.Render(transition), Encoding.UTF8, "application/json");
                using var response = await _client.PostAsync(_url, content);
                if (!response.IsSuccessStatusCode)
                {
                    Failed(_logger, _url, $"status {(int)response.StatusCode}");
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Failed(_logger, _url, e.Message);
            }
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "webhook {Url} did not take a transition: {Error}")]
    private static partial void Failed(ILogger logger, Uri url, string error);
}
