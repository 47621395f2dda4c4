using System.Net;
using System.Net.Sockets;
using System.Text;
using Kindling.Replication.Charts;
using Kindling.Replication.Registry;

namespace Kindling.Replication.Tests.Transfer;

/// <summary>
/// Issue 13 item 6: a hostile or broken primary answering without end. Every answer the backup reads whole is
/// read up to its limit and refused with the URL and the limit; the source's socket shows that reading stopped.
/// </summary>
public class HostileSourceTests
{
    private const long Slack = 8L * 1024 * 1024; // socket buffers on both sides

    [Fact]
    public async Task Manifest_EndlessAnswer_RefusedAt4MiB_NamingUrlAndLimit()
    {
        await using var source = HostileServer.Start("200 OK", "application/vnd.oci.image.manifest.v1+json", contentLength: null);
        using var http = new HttpClient();
        var client = new RegistryClient(http, source.Url);

        var error = await Assert.ThrowsAsync<ReplicationException>(() => client.ManifestAsync("library/app", "v1", TestContext.Current.CancellationToken));

        Assert.Contains($"GET {source.Url}v2/library/app/manifests/v1", error.Message, StringComparison.Ordinal);
        Assert.Contains("larger than the 4 MiB limit for a manifest", error.Message, StringComparison.Ordinal);
        Assert.True(await source.SentAsync() < 4 * 1024 * 1024 + Slack, $"the source sent {source.Sent:N0} bytes");
    }

    [Fact]
    public async Task Manifest_DeclaredHuge_RefusedBeforeReading()
    {
        await using var source = HostileServer.Start("200 OK", "application/vnd.oci.image.manifest.v1+json", contentLength: 100L * 1024 * 1024);
        using var http = new HttpClient();
        var client = new RegistryClient(http, source.Url);

        var error = await Assert.ThrowsAsync<ReplicationException>(() => client.ManifestAsync("library/app", "v1", TestContext.Current.CancellationToken));

        Assert.Contains("the answer is 104,857,600 bytes, over the 4 MiB limit for a manifest", error.Message, StringComparison.Ordinal);
        Assert.True(await source.SentAsync() < Slack, $"the source sent {source.Sent:N0} bytes");
    }

    [Fact]
    public async Task ChartArchiveAndChartList_EndlessAnswers_RefusedAt64MiB()
    {
        await using var source = HostileServer.Start("200 OK", "application/gzip", contentLength: null);
        using var http = new HttpClient();
        var client = new ChartRepositoryClient(http, source.Url);

        var archive = await Assert.ThrowsAsync<ReplicationException>(() => client.DownloadAsync(new ChartVersion("app", "1.0.0", "00", "charts/app-1.0.0.tgz"), TestContext.Current.CancellationToken));
        var list = await Assert.ThrowsAsync<ReplicationException>(() => client.ListAsync(TestContext.Current.CancellationToken));

        Assert.Contains($"{source.Url}charts/app-1.0.0.tgz: the answer is larger than the 64 MiB limit for a chart archive", archive.Message, StringComparison.Ordinal);
        Assert.Contains($"{source.Url}api/charts: the answer is larger than the 64 MiB limit for a chart list", list.Message, StringComparison.Ordinal);
        Assert.True(await source.SentAsync() < 2 * (64 * 1024 * 1024 + Slack), $"the source sent {source.Sent:N0} bytes");
    }

    [Fact]
    public async Task ErrorAnswer_Endless_ReadOnlyForItsMessage()
    {
        await using var source = HostileServer.Start("500 Internal Server Error", "text/plain", contentLength: null);
        using var http = new HttpClient();
        var client = new ChartRepositoryClient(http, source.Url);

        var error = await Assert.ThrowsAsync<ReplicationException>(() => client.ListAsync(TestContext.Current.CancellationToken));

        Assert.Contains("answered 500", error.Message, StringComparison.Ordinal);
        Assert.True(await source.SentAsync() < 64 * 1024 + Slack, $"the source sent {source.Sent:N0} bytes");
    }

    /// <summary>An HTTP/1.1 server on 127.0.0.1 that answers every request with a body that never ends (or a huge declared length).</summary>
    private sealed class HostileServer : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private readonly List<Task> _connections = [];
        private long _sent;

        private HostileServer(string status, string contentType, long? contentLength)
        {
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
            _loop = Task.Run(() => AcceptAsync(status, contentType, contentLength));
        }

        public Uri Url { get; }

        public long Sent => Interlocked.Read(ref _sent);

        public static HostileServer Start(string status, string contentType, long? contentLength) => new(status, contentType, contentLength);

        /// <summary>Bytes sent once every connection has ended (the client hung up).</summary>
        public async Task<long> SentAsync()
        {
            Task[] connections;
            lock (_connections)
            {
                connections = [.. _connections];
            }

            await Task.WhenAll(connections).WaitAsync(TimeSpan.FromSeconds(60));
            return Sent;
        }

        private async Task AcceptAsync(string status, string contentType, long? contentLength)
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                lock (_connections)
                {
                    _connections.Add(Task.Run(() => AnswerAsync(client, status, contentType, contentLength)));
                }
            }
        }

        private async Task AnswerAsync(TcpClient client, string status, string contentType, long? contentLength)
        {
            using (client)
            {
                var stream = client.GetStream();
                try
                {
                    var request = new StringBuilder();
                    var buffer = new byte[4096];
                    while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        var n = await stream.ReadAsync(buffer, _stop.Token);
                        if (n == 0)
                        {
                            return;
                        }

                        request.Append(Encoding.ASCII.GetString(buffer, 0, n));
                    }

                    var length = contentLength is { } l ? $"Content-Length: {l}\r\n" : "Transfer-Encoding: chunked\r\n";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\n{length}\r\n"), _stop.Token);
                    var chunk = new byte[65536];
                    Array.Fill(chunk, (byte)'{');
                    var framed = contentLength is null
                        ? [.. Encoding.ASCII.GetBytes("10000\r\n"), .. chunk, .. "\r\n"u8.ToArray()]
                        : chunk;
                    while (true)
                    {
                        await stream.WriteAsync(framed, _stop.Token);
                        Interlocked.Add(ref _sent, chunk.Length);
                    }
                }
                catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
                {
                    // The client hung up: what it refused to read is what the test measures.
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _loop;
            _stop.Dispose();
        }
    }
}
