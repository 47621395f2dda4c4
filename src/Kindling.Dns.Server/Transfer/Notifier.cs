using System.Net;
using System.Net.Sockets;
using Kindling.Dns.Client;
using Kindling.Dns.Config;
using Kindling.Dns.Server.Zones;
using Kindling.Dns.Tsig;
using Kindling.Dns.Wire;
using Microsoft.Extensions.Logging;

namespace Kindling.Dns.Server.Transfer;

/// <summary>
/// Sends NOTIFY (RFC 1996) when a zone changes, only to the zone's (or the options') <c>also-notify</c> servers and never
/// to the addresses of its NS records; <c>notify no</c> turns it off. Each target gets up to five tries over UDP with a
/// growing timeout, from the server's listening address so that a secondary recognises its primary.
/// </summary>
internal sealed class Notifier(Func<NamedConf> conf, Func<AddressFamily, IPAddress?> sourceFor, ILogger logger, TimeProvider time)
{
    public void Notify(Zone zone)
    {
        var config = conf();
        var mode = zone.Config?.Notify ?? config.Notify;
        if (mode == NotifyMode.No)
        {
            return;
        }

        foreach (var target in zone.Config?.AlsoNotify ?? config.AlsoNotify)
        {
            var key = target.Key is { } k ? config.Keys.GetValueOrDefault(k) : null;
            _ = Task.Run(() => SendAsync(zone, target, key));
        }
    }

    private async Task SendAsync(Zone zone, RemoteServer target, TsigKey? key)
    {
        var message = new DnsMessage { Id = DnsClient.NewId(), Opcode = Opcode.Notify, AuthoritativeAnswer = true };
        message.Questions.Add(new Question(zone.Origin, RecordType.SOA));
        message.Answers.AddRange(zone.SoaSet.ToRecords());
        var wire = message.ToArray();
        if (key is not null)
        {
            wire = TsigSigner.Sign(wire, key, TsigSigner.Now(time), [], out _);
        }

        using var socket = new Socket(target.Address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (sourceFor(target.Address.AddressFamily) is { } source)
        {
            socket.Bind(new IPEndPoint(source, 0));
        }

        var buffer = new byte[4096];
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                await socket.SendToAsync(wire, SocketFlags.None, target.EndPoint);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1 << attempt));
                while (true)
                {
                    var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
                    if (received.ReceivedBytes >= 12 && buffer[0] == wire[0] && buffer[1] == wire[1] && (buffer[2] & HeaderFlags.ResponseInHighByte) != 0)
                    {
                        logger.LogInformation("NOTIFY {Zone} serial {Serial} to {Target}: {Rcode}", zone.Origin, zone.Serial, target.EndPoint, (ResponseCode)(buffer[3] & HeaderFlags.RcodeMask));
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (SocketException e)
            {
                logger.LogWarning("NOTIFY {Zone} to {Target} failed: {Error}", zone.Origin, target.EndPoint, e.SocketErrorCode);
                await Task.Delay(TimeSpan.FromSeconds(1 << attempt));
            }
        }

        logger.LogWarning("NOTIFY {Zone} serial {Serial} to {Target}: no answer after 5 tries", zone.Origin, zone.Serial, target.EndPoint);
    }
}
