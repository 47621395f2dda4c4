using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

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
/// owner reaches it). <c>kindling node drain|undrain|gc|fsck</c> and <c>cluster-create -u tinder</c> use it.
/// </summary>
public sealed class NodeAdminClient(string dataDir, TimeProvider? time = null) : IDisposable
{
    private readonly HttpClient _http = Create(SocketPathFor(dataDir));
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public static string SocketPathFor(string dataDir) => Path.Combine(Path.GetFullPath(dataDir), "run", "admin.sock");

    public string SocketPath { get; } = SocketPathFor(dataDir);

    /// <summary>True when a node listens on the socket.</summary>
    public bool Exists => File.Exists(SocketPath);

    /// <summary>True when a node answers on the socket (a killed node leaves the file behind, refusing connections).</summary>
    public bool Answers()
    {
        if (!Exists)
        {
            return false;
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(SocketPath));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Garbage collection inside the running node; answers its report (GcReport.ToJson).</summary>
    public Task<JsonObject> CollectAsync(TimeSpan grace, bool dryRun, bool deleteUntagged, CancellationToken cancellationToken) =>
        SendForJsonAsync(string.Create(CultureInfo.InvariantCulture, $"/gc?grace={grace.TotalSeconds}&dry-run={(dryRun ? "true" : "false")}&delete-untagged={(deleteUntagged ? "true" : "false")}"), cancellationToken);

    /// <summary>fsck inside the running node; answers its report (FsckReport.ToJson).</summary>
    public Task<JsonObject> CheckAsync(bool repair, CancellationToken cancellationToken) =>
        SendForJsonAsync(repair ? "/fsck?repair=true" : "/fsck", cancellationToken);

    public Task<NodeDrainStatus> StatusAsync(CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, "/drain", cancellationToken);

    public Task<NodeDrainStatus> DrainAsync(TimeSpan? quiet, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, quiet is { } q ? string.Create(CultureInfo.InvariantCulture, $"/drain?quiet={q.TotalSeconds}") : "/drain", cancellationToken);

    public Task<NodeDrainStatus> UndrainAsync(CancellationToken cancellationToken) => SendAsync(HttpMethod.Post, "/undrain", cancellationToken);

    /// <summary>Starts a drain and waits until the node is drained or <paramref name="timeout"/> passes; reports progress.</summary>
    public async Task<(NodeDrainStatus Status, bool Drained)> DrainAndWaitAsync(TimeSpan? quiet, TimeSpan timeout, Action<NodeDrainStatus>? progress, CancellationToken cancellationToken)
    {
        var status = await DrainAsync(quiet, cancellationToken);
        var started = _time.GetTimestamp();
        var lastReport = started;
        while (!status.Drained && _time.GetElapsedTime(started) < timeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), _time, cancellationToken);
            status = await StatusAsync(cancellationToken);
            if (_time.GetElapsedTime(lastReport) > TimeSpan.FromSeconds(2))
            {
                progress?.Invoke(status);
                lastReport = _time.GetTimestamp();
            }
        }

        return (status, status.Drained);
    }

    /// <summary>A maintenance request: no time limit (a collection or fsck of a large store takes a while).</summary>
    private async Task<JsonObject> SendForJsonAsync(string path, CancellationToken cancellationToken)
    {
        var text = await SendForTextAsync(HttpMethod.Post, path, Timeout.InfiniteTimeSpan, cancellationToken);
        return JsonNode.Parse(text) as JsonObject ?? throw new InstallerException($"the node's admin socket {SocketPath} answered POST {path} with something other than a JSON object");
    }

    private async Task<string> SendForTextAsync(HttpMethod method, string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            limit.CancelAfter(timeout);
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(new HttpRequestMessage(method, "http://node" + path), limit.Token);
        }
        catch (HttpRequestException e)
        {
            throw new InstallerException($"cannot reach the node's admin socket {SocketPath}: {e.InnerException?.Message ?? e.Message} (is the node service running for this data folder? kindling node status --data DIR)");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InstallerException($"the node's admin socket {SocketPath} did not answer {method} {path} within {timeout.TotalSeconds:0} s");
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new InstallerException($"the node's admin socket {SocketPath} answered {(int)response.StatusCode} to {method} {path}: {text.Trim()}");
            }

            return text;
        }
    }

    private async Task<NodeDrainStatus> SendAsync(HttpMethod method, string path, CancellationToken cancellationToken)
    {
        var text = await SendForTextAsync(method, path, TimeSpan.FromSeconds(10), cancellationToken);
        {
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
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public void Dispose() => _http.Dispose();
}
