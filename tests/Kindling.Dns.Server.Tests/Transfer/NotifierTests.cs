using System.Net;
using System.Net.Sockets;
using Kindling.Dns.Config;
using Kindling.Dns.Server.Transfer;
using Kindling.Dns.Server.Zones;
using Kindling.Dns.Zones;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Kindling.Dns.Server.Tests.Transfer;

public sealed class NotifierTests : IDisposable
{
    private static readonly DomainName Origin = DomainName.Parse("example.test.");
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    // A secondary that never answers: every try of the notifier arrives here.
    private readonly Socket _silent = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CountingTime _time = new();

    public NotifierTests() => _silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    public void Dispose() => _silent.Dispose();

    [Fact]
    public async Task Notify_NoAnswer_RetriesWhenTheServersClockSaysSo_ThenGivesUp()
    {
        await using var notifier = NewNotifier();

        notifier.Notify(NewZone());

        var buffer = new byte[512];
        var waited = TimeSpan.Zero;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await ReceiveNotify(buffer);
            // The timeout of this try is a timer on the server's TimeProvider, not on the wall clock ...
            await WaitUntil(() => _time.TimersCreated > attempt);
            // ... so the next try (or giving up) comes when that clock has moved 1, 2, 4, 8, 16 s.
            _time.Advance(TimeSpan.FromSeconds(1 << attempt));
            waited += TimeSpan.FromSeconds(1 << attempt);
        }

        await WaitUntil(() => notifier.PendingSends == 0);
        Assert.Equal(TimeSpan.FromSeconds(31), waited);
        Assert.Equal(5, _time.TimersCreated);
        Assert.Equal(0, _silent.Available); // five tries, no sixth
    }

    [Fact]
    public async Task Dispose_CancelsAPendingSend_AndWaitsForIt()
    {
        var notifier = NewNotifier();
        notifier.Notify(NewZone());
        await ReceiveNotify(new byte[512]);
        Assert.Equal(1, notifier.PendingSends);

        // The clock does not move: the send ends because it is cancelled, not because its tries ran out.
        await notifier.DisposeAsync().AsTask().WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal(0, notifier.PendingSends);
        notifier.Notify(NewZone());
        Assert.Equal(0, notifier.PendingSends);
    }

    [Fact]
    public async Task Notify_BurstOfChanges_AtMostTheBoundInFlight()
    {
        await using var notifier = NewNotifier();

        for (var i = 0; i < Notifier.MaxPendingSends + 20; i++)
        {
            notifier.Notify(NewZone());
        }

        Assert.Equal(Notifier.MaxPendingSends, notifier.PendingSends);
    }

    private Notifier NewNotifier()
    {
        var endpoint = (IPEndPoint)_silent.LocalEndPoint!;
        var conf = new NamedConf { Path = "named.conf", Directory = ".", Notify = NotifyMode.Explicit, AlsoNotify = [new RemoteServer(endpoint.Address, endpoint.Port, null)] };
        return new Notifier(() => conf, _ => IPAddress.Loopback, NullLogger.Instance, _time);
    }

    private static Zone NewZone()
    {
        var builder = new ZoneBuilder(Origin);
        const string text = "$TTL 300\n@ SOA ns h 1 2 3 4 5\n NS ns\nns A 192.0.2.1\n";
        foreach (var entry in new ZoneFileReader(new StringReader(text), "t.zone", Origin).ReadAll())
        {
            builder.Add(entry.Record, $"{entry.File}:{entry.Line}");
        }

        return builder.Build("t.zone");
    }

    private async Task ReceiveNotify(byte[] buffer)
    {
        var received = await _silent.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), TestContext.Current.CancellationToken).AsTask().WaitAsync(Patience, TestContext.Current.CancellationToken);
        var message = DnsMessage.Parse(buffer.AsSpan(0, received.ReceivedBytes));
        Assert.Equal(Opcode.Notify, message.Opcode);
        Assert.Equal(Origin, message.Questions[0].Name);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var give = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        give.CancelAfter(Patience);
        while (!condition())
        {
            await Task.Delay(10, give.Token);
        }
    }

    /// <summary>A fake clock that counts the timers made on it (a wall-clock wait would make none).</summary>
    private sealed class CountingTime : FakeTimeProvider
    {
        private int _timers;

        public int TimersCreated => Volatile.Read(ref _timers);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _timers);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
