using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Kindling.Artifacts.Http.Drain;
using Kindling.Artifacts.Http.Hosting;
using Kindling.Artifacts.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kindling.Artifacts.Http.Common;

/// <summary>
/// <c>GET /healthz</c>: 200 only when the store is readable and writable and every service answers an HTTP
/// request on its own port (a loopback request to its <c>/kindling/v1/info</c>); the JSON body has one entry
/// per service. The result is kept for a second (one immutable <see cref="Snapshot"/>, swapped whole, timed by the
/// injected <see cref="TimeProvider"/>), so probes every second cost one round of checks. Anyone may ask,
/// so the answer names no folder: a storage problem's detail (path and error) goes to the node's log. A draining node
/// answers 503 with <c>"status": "draining"</c> at once, whatever its checks say. Free space below the low-space
/// threshold (or below the minimum, or a write probe that meets a full disk) answers 200 with
/// <c>"status": "degraded"</c>: reads still work, so a health check that wants 2xx keeps the node in DNS.
/// </summary>
internal sealed class NodeHealth : IDisposable
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    private readonly NodeStore _store;
    private readonly IReadOnlyList<NodeService> _services;
    private readonly IReadOnlyList<INodeReport> _reports;
    private readonly IPAddress _probeAddress;
    private readonly HttpClient _client;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly NodeDrain? _drain;
    private readonly TimeProvider _time;

    /// <summary>The last round's result; read without the lock, so it is replaced whole, never changed.</summary>
    private volatile Snapshot? _last;

    private readonly ILogger _logger;

    public NodeHealth(NodeStore store, IReadOnlyList<NodeService> services, NodeHostOptions options, ILogger logger, NodeDrain? drain = null, TimeProvider? time = null)
    {
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _drain = drain;
        _store = store;
        _services = services;
        _reports = options.Reports;
        _probeAddress = options.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : options.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : options.Address;
        var thumbprint = options.Certificate.GetCertHashString();
        var handler = new SocketsHttpHandler
        {
            // The node probes itself: it trusts exactly its own certificate, whatever name it carries.
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    certificate is X509Certificate2 c && c.GetCertHashString() == thumbprint,
            },
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        };
        _client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
    }

    public async Task WriteAsync(HttpContext context)
    {
        var (healthy, body) = _drain is { Draining: true } drain
            ? (false, JsonTree.ToUtf8(new JsonObject { ["status"] = "draining", ["drain"] = drain.Status().ToJson() }))
            : await CheckAsync(context.RequestAborted);
        context.Response.StatusCode = healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
    }

    public async Task<(bool Healthy, byte[] Body)> CheckAsync(CancellationToken cancellationToken)
    {
        if (Fresh() is { } cached)
        {
            return (cached.Healthy, cached.Body);
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Fresh() is { } again)
            {
                return (again.Healthy, again.Body);
            }

            var (storage, writeFull) = StorageProblem();
            var space = _store.Blobs.Space.Read();
            var level = writeFull ? SpaceLevel.Full : space.Level;
            var probes = await Task.WhenAll(_services.Select(ProbeAsync));
            var healthy = storage is null && probes.All(p => p.Problem is null);
            var report = new JsonObject
            {
                // Low space is "degraded" with 200: reads work, so DNS failover (which wants 2xx) keeps the node.
                ["status"] = !healthy ? "failing" : level == SpaceLevel.Ok ? "ok" : "degraded",
                ["storage"] = new JsonObject
                {
                    ["status"] = storage is not null ? "failing" : level switch { SpaceLevel.Low => "low", SpaceLevel.Full => "full", _ => "ok" },
                    ["problem"] = storage ?? level switch
                    {
                        SpaceLevel.Low => "free space is below the low-space threshold: reads and writes work; free space soon",
                        SpaceLevel.Full => "no space left: writes are refused, reads work; free space (delete unused content, kindling node gc) or grow the file system",
                        _ => null,
                    },
                    ["bytes"] = _store.Blobs.TotalBytes,
                    ["blobs"] = _store.Blobs.Count,
                    ["freeBytes"] = space.FreeBytes,
                    ["sizeBytes"] = space.SizeBytes,
                    ["lowBelowBytes"] = space.LowBelowBytes,
                    ["minFreeBytes"] = space.MinFreeBytes,
                },
                ["services"] = new JsonObject(probes.Select(p => KeyValuePair.Create(p.Service.Name, (JsonNode?)new JsonObject
                {
                    ["status"] = p.Problem is null ? "ok" : "failing", ["problem"] = p.Problem, ["port"] = p.Service.Port, ["scheme"] = p.Service.Scheme,
                }))),
                ["reports"] = _reports.Count == 0 ? null : new JsonObject(_reports.Select(r => KeyValuePair.Create(r.Name, (JsonNode?)r.Health()))),
            };
            var body = JsonTree.ToUtf8(report);
            _last = new Snapshot(_time.GetTimestamp(), healthy, body);
            return (healthy, body);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The last result while it is younger than <see cref="CacheFor"/>, else null.</summary>
    private Snapshot? Fresh() => _last is { } last && _time.GetElapsedTime(last.Timestamp) < CacheFor ? last : null;

    /// <summary>
    /// A problem that makes the node unhealthy (null when none), and whether the write probe found the disk full:
    /// a full disk is not a failure (reads are served), it is reported as degraded.
    /// </summary>
    private (string? Problem, bool WriteFull) StorageProblem()
    {
        var probe = Path.Combine(_store.Blobs.TempDirectory, $"healthz.{Environment.ProcessId}.probe");
        try
        {
            _ = Directory.EnumerateFileSystemEntries(_store.Blobs.BlobsDirectory).Take(1).ToList();
            File.WriteAllBytes(probe, "ok"u8.ToArray());
            var read = File.ReadAllBytes(probe);
            return (read.Length == 2 ? null : "the store returned different bytes than were written", false);
        }
        catch (IOException e) when (StorageFullException.IsDiskFull(e))
        {
            _logger.LogWarning("healthz: store {Store} is full: {Error}", _store.Blobs.Root, e.Message);
            return (null, true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogError("healthz: store {Store} is not readable and writable: {Error}", _store.Blobs.Root, e.Message);
            return ($"the store is not readable and writable ({e.GetType().Name}; the node's log names the folder and the error)", false);
        }
        finally
        {
            try
            {
                File.Delete(probe);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    private async Task<(NodeService Service, string? Problem)> ProbeAsync(NodeService service)
    {
        var problem = service.Problem();
        if (problem is not null)
        {
            return (service, problem);
        }

        var url = $"{service.Scheme}://{new IPEndPoint(_probeAddress, service.Port)}/kindling/v1/info";
        try
        {
            using var response = await _client.GetAsync(url);
            return (service, response.IsSuccessStatusCode ? null : $"{url} answered {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (service, $"{url} did not answer: {e.Message}");
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _gate.Dispose();
    }

    /// <summary>One round's result: when it was taken (a <see cref="TimeProvider"/> timestamp), the verdict and the JSON body.</summary>
    private sealed record Snapshot(long Timestamp, bool Healthy, byte[] Body);
}
