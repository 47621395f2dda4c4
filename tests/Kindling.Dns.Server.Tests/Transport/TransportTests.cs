using System.Net;
using System.Net.Sockets;
using Kindling.Dns.Client;
using Kindling.Dns.Server.Answering;
using Kindling.Dns.Server.Transport;
using Kindling.Dns.Server.Zones;
using Kindling.Dns.Zones;
using Kindling.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kindling.Dns.Server.Tests.Transport;

public sealed class TransportTests : IDisposable
{
    private readonly QueryAnswerer _answerer;
    private readonly DnsTcpListener _tcp;
    private readonly UdpListener _udp;

    public TransportTests()
    {
        var origin = DomainName.Parse("example.test.");
        var builder = new ZoneBuilder(origin);
        var text = "$TTL 300\n@ SOA ns h 1 2 3 4 5\n NS ns\nns A 192.0.2.1\nwww A 192.0.2.10\n"
            + string.Concat(Enumerable.Range(0, 60).Select(i => $"big TXT \"{new string((char)('a' + (i % 26)), 100)}{i}\"\n"));
        foreach (var entry in new ZoneFileReader(new StringReader(text), "t.zone", origin).ReadAll())
        {
            builder.Add(entry.Record);
        }

        _answerer = new QueryAnswerer(new ZoneTable([builder.Build("t.zone")]));
        var endpoint = new IPEndPoint(IPAddress.Parse("127.0.0.9"), FreePort.TcpAndUdp("127.0.0.9"));
        _udp = new UdpListener(endpoint, _answerer, NullLogger.Instance, threads: 1);
        _tcp = new DnsTcpListener(endpoint, _answerer, NullLogger.Instance, new TcpLimits { IdleTimeout = TimeSpan.FromMilliseconds(500) });
        _udp.Start();
        _tcp.Start();
    }

    [Fact]
    public async Task Tcp_SeveralQueriesOnOneConnection_AreAllAnswered()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_tcp.LocalEndPoint, TestContext.Current.CancellationToken);
        ushort[] ids = [11, 22, 33];
        foreach (var id in ids)
        {
            await DnsClient.WriteFramedAsync(socket, DnsMessage.CreateQuery(DomainName.Parse("www.example.test."), RecordType.A, id).ToArray(),
                TestContext.Current.CancellationToken);
        }

        foreach (var id in ids)
        {
            var reply = DnsMessage.Parse(await DnsClient.ReadFramedAsync(socket, TestContext.Current.CancellationToken));
            Assert.Equal(id, reply.Id);
            Assert.Single(reply.Answers);
        }
    }

    [Fact]
    public async Task Tcp_IdleConnection_IsClosedAfterTheTimeout()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_tcp.LocalEndPoint, TestContext.Current.CancellationToken);

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var received = await socket.ReceiveAsync(new byte[2], SocketFlags.None, wait.Token);

        Assert.Equal(0, received); // orderly close by the server, long before our 5 s
    }

    [Fact]
    public async Task Client_TruncatedOverUdp_RetriesOverTcp()
    {
        var client = new DnsClient(_udp.LocalEndPoint);
        var udpOnly = DnsMessage.Parse(await client.ExchangeUdpAsync(DnsMessage.CreateQuery(DomainName.Parse("big.example.test."), RecordType.TXT, 5).ToArray(),
            TestContext.Current.CancellationToken));

        var answer = await client.QueryAsync(DomainName.Parse("big.example.test."), RecordType.TXT, TestContext.Current.CancellationToken);

        Assert.True(udpOnly.Truncated);
        Assert.Empty(udpOnly.Answers);
        Assert.False(answer.Truncated);
        Assert.Equal(60, answer.Answers.Count);
    }

    [Fact]
    public async Task Client_NoServer_FailsWithinItsTimeout()
    {
        var silent = new UdpClient(new IPEndPoint(IPAddress.Parse("127.0.0.9"), 0));
        var client = new DnsClient((IPEndPoint)silent.Client.LocalEndPoint!, TimeSpan.FromMilliseconds(200), attempts: 2);

        await Assert.ThrowsAsync<TimeoutException>(() => client.QueryAsync(DomainName.Parse("www.example.test."), RecordType.A, TestContext.Current.CancellationToken));
        silent.Dispose();
    }

    public void Dispose()
    {
        _udp.Dispose();
        _tcp.Dispose();
    }
}
