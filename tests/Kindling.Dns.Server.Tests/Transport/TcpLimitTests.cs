using System.Diagnostics;
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

/// <summary>
/// Issue 13 item 3: one client must not be able to block DNS over TCP for everyone. Attacks from real sockets against
/// a server loaded from a named.conf (the limits as shipped), and a real dig as the innocent client.
/// </summary>
public sealed class TcpLimitTests
{
    private static readonly string Zone = "$TTL 300\n@ SOA ns h 1 2 3 4 5\n NS ns\nns A 192.0.2.1\nwww A 192.0.2.10\n"
        + string.Concat(Enumerable.Range(0, 60).Select(i => $"big TXT \"{new string((char)('a' + (i % 26)), 100)}{i}\"\n"));

    [Fact]
    public async Task TwoThousandIdleConnectionsFromOneAddress_QueryFromAnotherAddress_AnsweredWithinOneSecond()
    {
        using var dir = new TempDirectory("kindling-tcp");
        using var server = Start(dir, "");
        var endpoint = server.Endpoints[0];
        var attackers = await OpenAsync(IPAddress.Parse("127.0.0.2"), endpoint, 2000);
        try
        {
            var answer = await DigAsync(endpoint, IPAddress.Parse("127.0.0.3"));

            Assert.Contains("status: NOERROR", answer, StringComparison.Ordinal);
            Assert.Contains("192.0.2.10", answer, StringComparison.Ordinal);
            Assert.Equal(new TcpLimits().MaxConnectionsPerClient, server.Metrics.TcpAccepted - 1); // the attacker's 64, then dig
            Assert.Equal(2000 - new TcpLimits().MaxConnectionsPerClient, server.Metrics.TcpRefusedPerClient);
        }
        finally
        {
            Close(attackers);
        }
    }

    [Fact]
    public async Task ListenerFull_LongestIdleConnectionIsClosed_AndTheNewClientAnswered()
    {
        using var dir = new TempDirectory("kindling-tcp");
        using var server = Start(dir, "tcp-clients 200;");
        var endpoint = server.Endpoints[0];
        var attackers = new List<Socket>();
        try
        {
            // 4 addresses x 50 connections: under the per-address cap, exactly filling tcp-clients.
            for (var a = 1; a <= 4; a++)
            {
                attackers.AddRange(await OpenAsync(IPAddress.Parse($"127.0.1.{a}"), endpoint, 50));
            }

            await WaitUntilAsync(() => server.Metrics.TcpOpen == 200);
            var answer = await DigAsync(endpoint, IPAddress.Parse("127.0.0.3"));
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var oldestRead = await attackers[0].ReceiveAsync(new byte[2], SocketFlags.None, wait.Token);

            Assert.Contains("status: NOERROR", answer, StringComparison.Ordinal);
            Assert.Equal(0, oldestRead); // the first connection opened, idle longest, was the one closed
            Assert.Equal(1, server.Metrics.TcpEvictedIdle);
            Assert.Equal(0, server.Metrics.TcpRefusedFull);
        }
        finally
        {
            Close(attackers);
        }
    }

    [Fact]
    public async Task ClientThatNeverReads_IsDisconnectedAfterTheSendTimeout()
    {
        var origin = DomainName.Parse("example.test.");
        var builder = new ZoneBuilder(origin);
        foreach (var entry in new ZoneFileReader(new StringReader(Zone), "t.zone", origin).ReadAll())
        {
            builder.Add(entry.Record);
        }

        var answerer = new QueryAnswerer(new ZoneTable([builder.Build("t.zone")]));
        var metrics = new DnsMetrics();
        using var listener = new DnsTcpListener(new IPEndPoint(IPAddress.Parse("127.0.0.9"), 0), answerer, NullLogger.Instance,
            new TcpLimits { SendTimeout = TimeSpan.FromMilliseconds(500) }, metrics);
        listener.Start();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(listener.LocalEndPoint, TestContext.Current.CancellationToken);
        const int Queries = 3000; // ~6.5 KB each: about 20 MB of answers, far more than the socket buffers hold
        var query = DnsMessage.CreateQuery(DomainName.Parse("big.example.test."), RecordType.TXT, 7).ToArray();
        for (var i = 0; i < Queries; i++)
        {
            await DnsClient.WriteFramedAsync(socket, query, TestContext.Current.CancellationToken);
        }

        await WaitUntilAsync(() => metrics.TcpTimedOut == 1);
        var answered = 0;
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (await DnsClient.ReadFramedAsync(socket, wait.Token) is not null)
            {
                answered++;
            }
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            // Reset: the server closed with our unread queries in its buffer (what was already received here may be
            // discarded with it).
        }

        Assert.Equal(1, metrics.TcpTimedOut);
        Assert.True(answered < Queries, $"{answered} answers: the connection should have been closed before all were sent");
        Assert.Equal(0, metrics.TcpOpen);
    }

    private static DnsServer Start(TempDirectory dir, string options)
    {
        dir.Write("example.test.zone", Zone);
        var port = FreePort.TcpAndUdp("127.0.0.9");
        var conf = dir.Write("named.conf", $$"""
            options { directory "{{dir.Path}}"; notify no; {{options}} };
            zone "example.test" { type primary; file "example.test.zone"; };
            """);
        var server = DnsServer.Load(new DnsServerOptions(conf) { Listen = [new IPEndPoint(IPAddress.Parse("127.0.0.9"), port)], UdpThreads = 1 });
        server.Start();
        return server;
    }

    // Opens connections from one source address, 100 at a time; each stays open until Close (or the server closes it).
    private static async Task<List<Socket>> OpenAsync(IPAddress source, IPEndPoint server, int count)
    {
        var sockets = new List<Socket>(count);
        try
        {
            for (var start = 0; start < count; start += 100)
            {
                var batch = Enumerable.Range(start, Math.Min(100, count - start)).Select(_ =>
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    socket.Bind(new IPEndPoint(source, 0));
                    sockets.Add(socket);
                    return socket.ConnectAsync(server, TestContext.Current.CancellationToken).AsTask();
                }).ToList();
                await Task.WhenAll(batch);
            }
        }
        catch
        {
            Close(sockets);
            throw;
        }

        return sockets;
    }

    private static void Close(List<Socket> sockets)
    {
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }
    }

    // A real client: dig over TCP from another loopback address, one try, its own 1 s timeout.
    private static async Task<string> DigAsync(IPEndPoint server, IPAddress source)
    {
        var dig = Requires.Tool("dig", "bind9-dnsutils");
        var psi = new ProcessStartInfo(dig) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "+tcp", "+time=1", "+tries=1", "-b", source.ToString(), "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"@{server.Address}", "www.example.test.", "A" })
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return output;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(15), "condition not reached within 15 s");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
