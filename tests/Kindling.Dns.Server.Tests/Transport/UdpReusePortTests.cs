using System.Net;
using System.Net.Sockets;
using Kindling.Dns.Client;
using Kindling.Dns.Server.Answering;
using Kindling.Dns.Server.Transport;
using Kindling.Dns.Server.Zones;
using Kindling.Dns.Zones;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kindling.Dns.Server.Tests.Transport;

/// <summary>Several UDP threads, each on its own socket of a SO_REUSEPORT group (issue 14).</summary>
public class UdpReusePortTests
{
    private static QueryAnswerer Answerer()
    {
        var origin = DomainName.Parse("example.test.");
        var builder = new ZoneBuilder(origin);
        foreach (var entry in new ZoneFileReader(new StringReader("$TTL 300\n@ SOA ns h 1 2 3 4 5\n NS ns\nns A 192.0.2.1\nwww A 192.0.2.10\n"), "t.zone", origin).ReadAll())
        {
            builder.Add(entry.Record);
        }

        return new QueryAnswerer(new ZoneTable([builder.Build("t.zone")]));
    }

    [Fact]
    public async Task Udp_FourThreads_AnswerClientsOnManySourcePorts()
    {
        using var udp = new UdpListener(new IPEndPoint(IPAddress.Parse("127.0.0.9"), 0), Answerer(), NullLogger.Instance, threads: 4);
        udp.Start();

        // The kernel spreads a SO_REUSEPORT group's datagrams by address hash: 64 clients (source ports) reach every socket.
        var replies = await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
            DnsMessage.Parse(await new DnsClient(udp.LocalEndPoint).ExchangeUdpAsync(
                DnsMessage.CreateQuery(DomainName.Parse("WwW.example.test."), RecordType.A, (ushort)i).ToArray(), TestContext.Current.CancellationToken))));

        for (var i = 0; i < replies.Length; i++)
        {
            Assert.Equal((ushort)i, replies[i].Id);
            Assert.Equal("WwW.example.test.", replies[i].Questions[0].Name.ToString());
            Assert.Equal([IPAddress.Parse("192.0.2.10")], replies[i].AnswerAddresses());
        }
    }

    [Fact]
    public async Task Udp_BatchCounters_CountEveryDatagramAndEachReceiveCall()
    {
        var metrics = new DnsMetrics();
        using var udp = new UdpListener(new IPEndPoint(IPAddress.Parse("127.0.0.9"), 0), Answerer(), NullLogger.Instance, threads: 2, metrics);
        udp.Start();

        // One client socket, no retries (a retry would be a 41st datagram): 40 queries out, 40 answers back.
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        for (var i = 0; i < 40; i++)
        {
            await client.SendToAsync(DnsMessage.CreateQuery(DomainName.Parse("www.example.test."), RecordType.A, (ushort)i).ToArray(),
                SocketFlags.None, udp.LocalEndPoint, TestContext.Current.CancellationToken);
        }

        var answered = new HashSet<ushort>();
        var buffer = new byte[4096];
        while (answered.Count < 40)
        {
            var length = await client.ReceiveAsync(buffer, SocketFlags.None, TestContext.Current.CancellationToken);
            answered.Add(DnsMessage.Parse(buffer.AsSpan(0, length)).Id);
        }

        // Every datagram was counted before its answer was sent; a receive call returns 1 to 32 of them.
        Assert.Equal(LinuxDatagrams.Supported ? 40 : 0, metrics.UdpDatagramsReceived);
        Assert.InRange(metrics.UdpReceiveCalls, LinuxDatagrams.Supported ? 2 : 0, metrics.UdpDatagramsReceived);
        Assert.Contains($"kindling_dns_udp_datagrams_received_total {metrics.UdpDatagramsReceived}\n", metrics.Render());
        Assert.Contains($"kindling_dns_udp_receive_calls_total {metrics.UdpReceiveCalls}\n", metrics.Render());
    }

    [Fact]
    public void Udp_SecondServerOnTheSameAddress_FailsAsAddressInUse()
    {
        using var first = new UdpListener(new IPEndPoint(IPAddress.Parse("127.0.0.9"), 0), Answerer(), NullLogger.Instance, threads: 2);
        first.Start();

        // SO_REUSEPORT must not let a second server join the first one's address silently.
        var error = Assert.Throws<SocketException>(() => new UdpListener(first.LocalEndPoint, Answerer(), NullLogger.Instance, threads: 2));

        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(3, 1)]
    [InlineData(4, 2)]
    [InlineData(16, 8)]
    public void DefaultThreads_IsHalfTheCoresAtLeastOne(int processors, int threads)
    {
        Assert.Equal(threads, UdpListener.DefaultThreads(processors));
    }
}
