using System.Net;
using System.Net.Sockets;
using Kindling.Dns.Config;
using Kindling.Dns.Records;
using Kindling.Dns.Server.Transfer;

namespace Kindling.Dns.Server.Tests.Transfer;

/// <summary>The SOA query of a secondary's refresh (RFC 1035 §4.3.5) takes its answer only from the primary it asked.</summary>
public sealed class SoaQueryTests
{
    private static readonly DomainName Origin = DomainName.Parse("example.test.");

    private static byte[] Answer(DnsMessage query, uint serial)
    {
        var reply = new DnsMessage { Id = query.Id, IsResponse = true, AuthoritativeAnswer = true };
        reply.Questions.Add(query.Questions[0]);
        reply.Answers.Add(new ResourceRecord(Origin, 300, new SoaRecord(DomainName.Parse("ns.example.test."), DomainName.Parse("h.example.test."), serial, 3600, 600, 86400, 300)));
        return reply.ToArray();
    }

    [Fact]
    public async Task QuerySerial_ReplyFromAnotherAddressOrPort_IsIgnored()
    {
        var token = TestContext.Current.CancellationToken;
        using var primary = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        primary.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var spoofer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        spoofer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var endpoint = (IPEndPoint)primary.LocalEndPoint!;

        var asking = ZoneFetcher.QuerySerialAsync(new RemoteServer(endpoint.Address, endpoint.Port, null), null, Origin, IPAddress.Loopback,
            TimeSpan.FromSeconds(5), TimeProvider.System, token);
        var buffer = new byte[ushort.MaxValue];
        var received = await primary.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), token);
        var query = DnsMessage.Parse(buffer.AsSpan(0, received.ReceivedBytes));
        // Same ID, same question, the querier's port, sent first (loopback keeps the order): only the source differs.
        await spoofer.SendToAsync(Answer(query, 999), received.RemoteEndPoint, token);
        await primary.SendToAsync(Answer(query, 5), received.RemoteEndPoint, token);

        Assert.Equal(5u, await asking);
    }
}
