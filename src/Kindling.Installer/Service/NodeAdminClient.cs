using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;

namespace Kindling.Installer.Service;

/// <summary>What a node says about its drain (the JSON of its admin socket).</summary>
public sealed record NodeDrainStatus(string State, double DrainingSeconds, double QuietSeconds, double QuietPeriodSeconds, long InFlight, long RequestsWhileDraining)
{
    public bool Drained => State == "drained";

    public override string ToString() => State switch
    {
        "serving" => "serving",
        _ => string.Create(CultureInfo.InvariantCulture,
            $"{State} for {DrainingSeconds:0.0} s: {RequestsWhileDraining} client request(s) since, {InFlight} in flight, quiet for {QuietSeconds:0.0} of {QuietPeriodSeconds:0.#} s"),
    };
}

/// <summary>
/// Talks to a running node's administration socket, <c>DIR/run/admin.sock</c> (mode 0600: only the data folder's
/// owner reaches it). <c>kindling node drain|undrain</c> and <c>cluster-create -u tinder</c> use it.
/// </summary>
public sealed class NodeAdminClient(string dataDir) : IDisposable
{
    private readonly HttpClient _http = Create(SocketPathFor(dataDir));

    public static string SocketPathFor(string dataDir) => Path.Combine(Path.GetFullPath(dataDir), "run", "admin.sock");

    public string SocketPath { get; } = SocketPathFor(dataDir);

    /// <summary>True when a node listens on the socket.</summary>
    public bool Exists => File.Exists(SocketPath);

    public Task<NodeDrainStatus> StatusAsync(CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, "/drain", cancellationToken);

    public Task<NodeDrainStatus> DrainAsync(TimeSpan? quiet, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, quiet is { } q ? string.Create(CultureInfo.InvariantCulture, $"/drain?quiet={q.TotalSeconds}") : "/drain", cancellationToken);

    public Task<NodeDrainStatus> UndrainAsync(CancellationToken cancellationToken) => SendAsync(HttpMethod.Post, "/undrain", cancellationToken);

    /// <summary>Starts a drain and waits until the node is drained or <paramref name="timeout"/> passes; reports progress.</summary>
    public async Task<(NodeDrainStatus Status, bool Drained)> DrainAndWaitAsync(TimeSpan? quiet, TimeSpan timeout, Action<NodeDrainStatus>? progress, CancellationToken cancellationToken)
    {
        var status = await DrainAsync(quiet, cancellationToken);
        var deadline = DateTime.UtcNow + timeout;
        var lastReport = DateTime.UtcNow;
        while (!status.Drained && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, cancellationToken);
            status = await StatusAsync(cancellationToken);
            if (DateTime.UtcNow - lastReport > TimeSpan.FromSeconds(2))
            {
                progress?.Invoke(status);
                lastReport = DateTime.UtcNow;
            }
        }

        return (status, status.Drained);
    }

    private async Task<NodeDrainStatus> SendAsync(HttpMethod method, string path, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(new HttpRequestMessage(method, "http://node" + path), cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new InstallerException($"cannot reach the node's admin socket {SocketPath}: {e.InnerException?.Message ?? e.Message} (is the node service running for this data folder? kindling node status --data DIR)");
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new InstallerException($"the node's admin socket {SocketPath} answered {(int)response.StatusCode} to {method} {path}: {text.Trim()}");
            }

            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            return new NodeDrainStatus(root.GetProperty("state").GetString()!, root.GetProperty("drainingSeconds").GetDouble(), root.GetProperty("quietSeconds").GetDouble(),
                root.GetProperty("quietPeriodSeconds").GetDouble(), root.GetProperty("inFlight").GetInt64(), root.GetProperty("requestsWhileDraining").GetInt64());
        }
    }

    private static HttpClient Create(string socketPath)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }

    public void Dispose() => _http.Dispose();
}
