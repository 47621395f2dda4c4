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
/// growing timeout (1, 2, 4, 8, 16 s on the server's <see cref="TimeProvider"/>), from the server's listening address so
/// that a secondary recognises its primary. The notifier owns its sends: at most <see cref="MaxPendingSends"/> at once
/// (more are logged and skipped: the secondary still sees the change at its next SOA refresh), all cancelled and
/// awaited by <see cref="DisposeAsync"/>.
/// </summary>
internal sealed class Notifier(Func<NamedConf> conf, Func<AddressFamily, IPAddress?> sourceFor, ILogger logger, TimeProvider time)
    : IAsyncDisposable
{
    /// <summary>NOTIFY sends in flight at once (BIND queues its notifies under <c>notify-rate</c>; a burst of changes to many zones waits here).</summary>
    public const int MaxPendingSends = 64;

    private const int Tries = 5;

    private readonly Lock _lock = new();
    private readonly HashSet<Task> _sends = [];
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Sends started and not finished (for tests and diagnostics).</summary>
    internal int PendingSends
    {
        get
        {
            lock (_lock)
            {
                return _sends.Count;
            }
        }
    }

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
            Start(zone, target, key);
        }
    }

    private void Start(Zone zone, RemoteServer target, TsigKey? key)
    {
        lock (_lock)
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            if (_sends.Count >= MaxPendingSends)
            {
                logger.LogWarning("NOTIFY {Zone} serial {Serial} to {Target} not sent: {Max} NOTIFYs are already waiting for answers",
                    zone.Origin, zone.Serial, target.EndPoint, MaxPendingSends);
                return;
            }

            var token = _stop.Token;
            var send = Task.Run(() => SendAsync(zone, target, key, token), token);
            _sends.Add(send);
            // Runs on the thread pool (not inline), so it waits for this lock and always finds the task added.
            send.ContinueWith(Forget, TaskScheduler.Default);
        }
    }

    private void Forget(Task send)
    {
        lock (_lock)
        {
            _sends.Remove(send);
        }
    }

    private async Task SendAsync(Zone zone, RemoteServer target, TsigKey? key, CancellationToken token)
    {
        var wire = NotifyMessage(zone, key);
        using var socket = new Socket(target.Address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (sourceFor(target.Address.AddressFamily) is { } source)
        {
            socket.Bind(new IPEndPoint(source, 0));
        }

        var buffer = new byte[4096];
        for (var attempt = 0; attempt < Tries; attempt++)
        {
            var wait = TimeSpan.FromSeconds(1 << attempt);
            try
            {
                await socket.SendToAsync(wire, SocketFlags.None, target.EndPoint, token);
                if (await AwaitAnswerAsync(socket, wire, buffer, wait, token) is { } rcode)
                {
                    logger.LogInformation("NOTIFY {Zone} serial {Serial} to {Target}: {Rcode}", zone.Origin, zone.Serial, target.EndPoint, rcode);
                    return;
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return; // the server is stopping
            }
            catch (SocketException e)
            {
                logger.LogWarning("NOTIFY {Zone} to {Target} failed: {Error}", zone.Origin, target.EndPoint, e.SocketErrorCode);
                try
                {
                    await Task.Delay(wait, time, token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        logger.LogWarning("NOTIFY {Zone} serial {Serial} to {Target}: no answer after {Tries} tries", zone.Origin, zone.Serial, target.EndPoint, Tries);
    }

    private byte[] NotifyMessage(Zone zone, TsigKey? key)
    {
        var message = new DnsMessage { Id = DnsClient.NewId(), Opcode = Opcode.Notify, AuthoritativeAnswer = true };
        message.Questions.Add(new Question(zone.Origin, RecordType.SOA));
        message.Answers.AddRange(zone.SoaSet.ToRecords());
        var wire = message.ToArray();
        return key is null ? wire : TsigSigner.Sign(wire, key, TsigSigner.Now(time), [], out _);
    }

    // The response to this NOTIFY (same ID, QR set) within `wait` on the server's clock: its rcode, or null on timeout.
    private async Task<ResponseCode?> AwaitAnswerAsync(Socket socket, byte[] wire, byte[] buffer, TimeSpan wait, CancellationToken token)
    {
        using var timeout = new CancellationTokenSource(wait, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, token);
        try
        {
            while (true)
            {
                var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), either.Token);
                if (received.ReceivedBytes >= 12 && buffer[0] == wire[0] && buffer[1] == wire[1] && (buffer[2] & HeaderFlags.ResponseInHighByte) != 0)
                {
                    return (ResponseCode)(buffer[3] & HeaderFlags.RcodeMask);
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !token.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Cancels the sends in flight and waits for them to end; later <see cref="Notify"/> calls send nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        Task[] pending;
        lock (_lock)
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            _stop.Cancel();
            pending = [.. _sends];
        }

        try
        {
            await Task.WhenAll(pending);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            // Cancelled by the stop, or failed: either way the send is over.
        }

        lock (_lock)
        {
            _sends.Clear(); // all over; their Forget continuations may not have run yet
        }

        _stop.Dispose();
    }
}
