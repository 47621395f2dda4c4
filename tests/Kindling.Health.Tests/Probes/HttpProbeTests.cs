using System.Net;
using System.Security.Cryptography.X509Certificates;
using Kindling.Health.Probes;
using Kindling.Testing;

namespace Kindling.Health.Tests.Probes;

/// <summary>HTTP and HTTPS probes against real listeners on 127.0.0.2/.3 started by the test.</summary>
public sealed class HttpProbeTests
{
    private static readonly IPAddress Node2 = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Node3 = IPAddress.Parse("127.0.0.3");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10); // generous: the machine is shared, the first TLS handshake JITs a lot

    private static readonly TestPki Pki = new();

    private static X509Certificate2Collection Trust(TestPki pki) => [X509CertificateLoader.LoadCertificate(pki.Ca.RawData)];

    private static HttpProbe Probe(TinyHttpServer server, string scheme, string path = "/healthz", X509Certificate2Collection? cas = null,
        string method = "GET", string? host = null, IReadOnlyList<int>? expect = null, string? body = null, TimeSpan? timeout = null) =>
        new(new Uri($"{scheme}://{server.Address}:{server.Port}{path}"), timeout ?? Timeout, TimeProvider.System, cas, method, host, expect, body);

    [Fact]
    public async Task Http_ServiceAnswers200_IsHealthy()
    {
        await using var server = new TinyHttpServer(Node2);
        using var probe = Probe(server, "http");

        var outcome = await probe.ProbeAsync(TestContext.Current.CancellationToken);

        Assert.True(outcome.Healthy, outcome.Detail);
        Assert.Equal("status 200", outcome.Detail);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task Http_Status503_IsUnhealthyWithTheStatusInTheDetail()
    {
        await using var server = new TinyHttpServer(Node2) { Status = 503 };
        using var probe = Probe(server, "http");

        var outcome = await probe.ProbeAsync(TestContext.Current.CancellationToken);

        Assert.False(outcome.Healthy);
        Assert.Equal("status 503, expected 2xx", outcome.Detail);
    }

    [Fact]
    public async Task Http_Status503Draining_IsUnhealthyAndSaysDraining()
    {
        await using var server = new TinyHttpServer(Node2) { Status = 503, Body = "{\"status\": \"draining\", \"drain\": {}}" };
        using var probe = Probe(server, "http");

        var outcome = await probe.ProbeAsync(TestContext.Current.CancellationToken);

        Assert.False(outcome.Healthy);
        Assert.True(outcome.Draining);
        Assert.Contains("draining", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_Status200Degraded_LowDiskSpace_StaysHealthy()
    {
        // A node low on disk space still serves reads: its /healthz says degraded with 200, and must not be failed over.
        await using var server = new TinyHttpServer(Node2) { Status = 200, Body = "{\"status\": \"degraded\", \"storage\": {\"status\": \"full\"}}" };
        using var probe = Probe(server, "http");

        var outcome = await probe.ProbeAsync(TestContext.Current.CancellationToken);

        Assert.True(outcome.Healthy);
        Assert.False(outcome.Draining);
    }

    [Fact]
    public async Task Http_ExpectedStatusGiven_OnlyThatStatusIsHealthy()
    {
        await using var server = new TinyHttpServer(Node2) { Status = 401 };
        using var accepts401 = Probe(server, "http", "/v2/", expect: [401, 200]);
        using var accepts200 = Probe(server, "http", "/v2/", expect: [200]);

        Assert.True((await accepts401.ProbeAsync(TestContext.Current.CancellationToken)).Healthy);
        Assert.False((await accepts200.ProbeAsync(TestContext.Current.CancellationToken)).Healthy);
    }

    [Fact]
    public async Task Http_BodyMatch_FailsWhenTheBodyLacksTheText()
    {
        await using var server = new TinyHttpServer(Node2) { Body = "{\"status\":\"degraded\"}" };
        using var wantsOk = Probe(server, "http", body: "\"status\":\"ok\"");
        using var wantsDegraded = Probe(server, "http", body: "degraded");

        var bad = await wantsOk.ProbeAsync(TestContext.Current.CancellationToken);
        Assert.False(bad.Healthy);
        Assert.Contains("does not contain", bad.Detail, StringComparison.Ordinal);
        Assert.True((await wantsDegraded.ProbeAsync(TestContext.Current.CancellationToken)).Healthy);
    }

    [Fact]
    public async Task Http_Head_SendsHead()
    {
        await using var server = new TinyHttpServer(Node2);
        using var probe = Probe(server, "http", "/kubean/object", method: "HEAD");

        Assert.True((await probe.ProbeAsync(TestContext.Current.CancellationToken)).Healthy);
        Assert.Equal("HEAD", server.LastMethod);
    }

    [Fact]
    public async Task Http_NothingListening_ReportsConnectionRefused()
    {
        int port;
        await using (var server = new TinyHttpServer(Node2))
        {
            port = server.Port;
        }

        using var probe = new HttpProbe(new Uri($"http://127.0.0.2:{port}/healthz"), Timeout, TimeProvider.System);
        var outcome = await probe.ProbeAsync(TestContext.Current.CancellationToken);

        Assert.False(outcome.Healthy);
        Assert.Equal("connection refused", outcome.Detail);
    }

    [Fact]
    public async Task Http_ServiceHangs_TimesOutAtTheProbeTimeout()
    {
        await using var server = new TinyHttpServer(Node2) { Hang = true };
        using var probe = Probe(server, "http", timeout: TimeSpan.FromMilliseconds(200));

        var outcome = await probe.ProbeAsync(TestContext.Current.CancellationToken);

        Assert.False(outcome.Healthy);
        Assert.Equal("timed out after 200 ms", outcome.Detail);
    }

    [Fact]
    public async Task Https_CertificateFromTheGivenCa_IsHealthy()
    {
        await using var server = new TinyHttpServer(Node2, Pki.Issue([Node2]));
        using var probe = Probe(server, "https", cas: Trust(Pki));

        var outcome = await probe.ProbeAsync(TestContext.Current.CancellationToken);

        Assert.True(outcome.Healthy, outcome.Detail);
    }

    [Fact]
    public async Task Https_CertificateFromAnotherCa_IsUnhealthyWithATlsReason()
    {
        var stranger = new TestPki("Someone Else's CA");
        await using var server = new TinyHttpServer(Node2, stranger.Issue([Node2]));
        using var probe = Probe(server, "https", cas: Trust(Pki));

        var outcome = await probe.ProbeAsync(TestContext.Current.CancellationToken);

        Assert.False(outcome.Healthy);
        Assert.StartsWith("TLS handshake failed", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Https_CertificateForAnotherAddress_IsUnhealthy()
    {
        await using var server = new TinyHttpServer(Node2, Pki.Issue([Node3]));
        using var probe = Probe(server, "https", cas: Trust(Pki));

        var outcome = await probe.ProbeAsync(TestContext.Current.CancellationToken);

        Assert.False(outcome.Healthy);
        Assert.StartsWith("TLS handshake failed", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Https_HostGiven_ChecksTheCertificateForThatNameAndSendsIt()
    {
        await using var server = new TinyHttpServer(Node2, Pki.Issue([], "www.tinder-node-server.com"));
        using var byName = Probe(server, "https", cas: Trust(Pki), host: "www.tinder-node-server.com");
        using var byAddress = Probe(server, "https", cas: Trust(Pki));

        var outcome = await byName.ProbeAsync(TestContext.Current.CancellationToken);
        Assert.True(outcome.Healthy, outcome.Detail);
        Assert.Equal("www.tinder-node-server.com", server.LastHost);
        Assert.False((await byAddress.ProbeAsync(TestContext.Current.CancellationToken)).Healthy);
    }

    [Fact]
    public async Task NodeProbe_OneServiceDown_TheNodeIsDownNamingThatService()
    {
        await using var registry = new TinyHttpServer(Node3);
        await using var charts = new TinyHttpServer(Node3) { Status = 500 };
        using var registryProbe = Probe(registry, "http", "/v2/");
        using var chartsProbe = Probe(charts, "http", "/index.yaml");
        var node = new NodeProbe([registryProbe, chartsProbe]);

        var outcome = await node.ProbeAsync(TestContext.Current.CancellationToken);

        Assert.False(outcome.Healthy);
        Assert.Equal($"http://127.0.0.3:{charts.Port}/index.yaml: status 500, expected 2xx", outcome.Detail);
        charts.Status = 200;
        Assert.True((await node.ProbeAsync(TestContext.Current.CancellationToken)).Healthy);
    }
}
