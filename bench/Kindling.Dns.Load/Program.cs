using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Kindling.Dns.Load;

/// <summary>
/// A closed-loop UDP DNS load generator for bench/dns/run.sh, in the spirit of dnsperf (same flags, same query file,
/// same summary lines) but cheap per query: one thread moves batches of up to 32 queries with one <c>sendmmsg</c> per
/// socket and collects answers with <c>recvmmsg</c>, so on a 2-core machine it is not the ceiling that dnsperf is (dnsperf
/// spends 5.5-7 µs of CPU per query here, more than the servers it measures). It keeps at most <c>-q</c> queries
/// outstanding over all sockets, as dnsperf does, and checks each answer: QR set, an ID it is waiting for on that
/// socket, the question it asked (octet for octet), RCODE NOERROR or NXDOMAIN; anything else is counted as bad, and a
/// query unanswered after <c>-t</c> seconds is lost.
/// </summary>
public static unsafe class Program
{
    private const int Batch = 32;
    private const int Slot = 512;
    private const int MsgDontWait = 0x40;
    private const short PollIn = 1;

    public static int Main(string[] args)
    {
        Options o;
        try
        {
            o = Options.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"kindling-dns-load: {e.Message}");
            Console.Error.WriteLine("usage: Kindling.Dns.Load -s ADDRESS -p PORT -d QUERYFILE [-l SECONDS] [-c SOCKETS] [-q OUTSTANDING] [-t TIMEOUT]");
            return 2;
        }

        var queries = QueryFile.Read(o.QueryFile);
        var run = new Run(o, queries);
        return run.Execute();
    }

    private sealed record Options(IPAddress Server, int Port, string QueryFile, double Seconds, int Sockets, int Window, double Timeout)
    {
        public static Options Parse(string[] args)
        {
            IPAddress server = IPAddress.Loopback;
            int port = 53, sockets = 1, window = 100;
            double seconds = 10, timeout = 5;
            string? file = null;
            for (var i = 0; i < args.Length; i++)
            {
                var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "-s": server = IPAddress.Parse(value); break;
                    case "-p": port = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "-d": file = value; break;
                    case "-l": seconds = double.Parse(value, CultureInfo.InvariantCulture); break;
                    case "-c": sockets = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "-q": window = int.Parse(value, CultureInfo.InvariantCulture); break;
                    case "-t": timeout = double.Parse(value, CultureInfo.InvariantCulture); break;
                    default: throw new ArgumentException($"unknown option {args[i]}");
                }

                i++;
            }

            if (file is null)
            {
                throw new ArgumentException("-d QUERYFILE is required");
            }

            if (sockets < 1 || window < sockets || window > 60_000 || seconds <= 0 || timeout <= 0)
            {
                throw new ArgumentException("need -c ≥ 1, -c ≤ -q ≤ 60000, -l > 0, -t > 0");
            }

            return new Options(server, port, file, seconds, sockets, window, timeout);
        }
    }

    /// <summary>dnsperf's query file: one "NAME TYPE" per line, encoded once to wire format (ID 0, RD set, no EDNS, as dnsperf sends by default).</summary>
    private static class QueryFile
    {
        private static readonly Dictionary<string, ushort> Types = new(StringComparer.OrdinalIgnoreCase)
        {
            ["A"] = 1, ["NS"] = 2, ["CNAME"] = 5, ["SOA"] = 6, ["PTR"] = 12, ["MX"] = 15, ["TXT"] = 16, ["AAAA"] = 28, ["SRV"] = 33,
        };

        public static byte[][] Read(string path)
        {
            var list = new List<byte[]>();
            var line = 0;
            foreach (var text in File.ReadLines(path))
            {
                line++;
                var parts = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 0 || parts[0].StartsWith(';'))
                {
                    continue;
                }

                if (parts.Length != 2 || !Types.TryGetValue(parts[1], out var type))
                {
                    throw new FormatException($"{path}:{line}: expected 'NAME TYPE' with TYPE one of {string.Join(' ', Types.Keys)}, got '{text}'");
                }

                list.Add(Encode(parts[0], type));
            }

            return list.Count > 0 ? [.. list] : throw new FormatException($"{path}: no queries");
        }

        private static byte[] Encode(string name, ushort type)
        {
            var message = new List<byte> { 0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
            foreach (var label in name.TrimEnd('.').Split('.'))
            {
                var octets = Encoding.ASCII.GetBytes(label);
                message.Add((byte)octets.Length);
                message.AddRange(octets);
            }

            message.Add(0);
            message.Add((byte)(type >> 8));
            message.Add((byte)type);
            message.Add(0);
            message.Add(1);
            return [.. message];
        }
    }

    private sealed class Run(Options options, byte[][] queries)
    {
        private readonly Socket[] _sockets = new Socket[options.Sockets];
        private readonly long[][] _sentAt = new long[options.Sockets][]; // per socket and ID: send time, 0 when free
        private readonly int[][] _queryOf = new int[options.Sockets][];  // per socket and ID: which query was sent
        private readonly ushort[] _nextId = new ushort[options.Sockets];
        private readonly int[] _outstandingOn = new int[options.Sockets];
        private int _outstanding;
        private int _next;
        private long _sent, _completed, _noError, _nxDomain, _otherRcode, _bad, _lost;
        private double _latencySum;

        public int Execute()
        {
            for (var s = 0; s < _sockets.Length; s++)
            {
                _sockets[s] = new Socket(options.Server.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { Blocking = false };
                _sockets[s].ReceiveBufferSize = 4 << 20;
                _sockets[s].Connect(new IPEndPoint(options.Server, options.Port));
                _sentAt[s] = new long[65536];
                _queryOf[s] = new int[65536];
                _nextId[s] = (ushort)(s * 7919);
            }

            var send = GC.AllocateArray<byte>(Batch * Slot, pinned: true);
            var receive = GC.AllocateArray<byte>(Batch * Slot, pinned: true);
            var sendVec = GC.AllocateArray<IoVec>(Batch, pinned: true);
            var receiveVec = GC.AllocateArray<IoVec>(Batch, pinned: true);
            var sendMsg = GC.AllocateArray<MMsgHdr>(Batch, pinned: true);
            var receiveMsg = GC.AllocateArray<MMsgHdr>(Batch, pinned: true);
            var polls = new PollFd[_sockets.Length];
            fixed (byte* sendBase = send, receiveBase = receive)
            fixed (IoVec* sv = sendVec, rv = receiveVec)
            fixed (MMsgHdr* sm = sendMsg, rm = receiveMsg)
            fixed (PollFd* pf = polls)
            {
                for (var i = 0; i < Batch; i++)
                {
                    sv[i].Base = sendBase + (i * Slot);
                    sm[i].Header.Iov = &sv[i];
                    sm[i].Header.IovLength = 1;
                    rv[i].Base = receiveBase + (i * Slot);
                    rv[i].Length = Slot;
                    rm[i].Header.Iov = &rv[i];
                    rm[i].Header.IovLength = 1;
                }

                for (var s = 0; s < _sockets.Length; s++)
                {
                    pf[s].Fd = (int)_sockets[s].Handle;
                    pf[s].Events = PollIn;
                }

                var start = Stopwatch.GetTimestamp();
                var end = start + (long)(options.Seconds * Stopwatch.Frequency);
                var timeout = (long)(options.Timeout * Stopwatch.Frequency);
                var nextExpiry = start + (Stopwatch.Frequency / 10);
                var socket = 0;
                long now;
                while ((now = Stopwatch.GetTimestamp()) < end)
                {
                    var moved = Send(socket, now, sendBase, sv, sm);
                    socket = (socket + 1) % _sockets.Length;
                    for (var s = 0; s < _sockets.Length; s++)
                    {
                        moved += Receive(s, receiveBase, rm);
                    }

                    if (now >= nextExpiry)
                    {
                        Expire(now, timeout);
                        nextExpiry = now + (Stopwatch.Frequency / 10);
                    }

                    if (moved == 0 && _outstanding >= options.Window)
                    {
                        Poll(pf, 1);
                    }
                }

                var stopped = Stopwatch.GetTimestamp();
                var drainEnd = stopped + timeout;
                while (_outstanding > 0 && (now = Stopwatch.GetTimestamp()) < drainEnd)
                {
                    var moved = 0;
                    for (var s = 0; s < _sockets.Length; s++)
                    {
                        moved += Receive(s, receiveBase, rm);
                    }

                    if (moved == 0)
                    {
                        Poll(pf, 10);
                    }
                }

                Expire(long.MaxValue, 0);
                Report((double)(stopped - start) / Stopwatch.Frequency);
            }

            foreach (var s in _sockets)
            {
                s.Dispose();
            }

            return 0;
        }

        private void Poll(PollFd* pf, int milliseconds)
        {
            for (var s = 0; s < _sockets.Length; s++)
            {
                pf[s].Revents = 0;
            }

            _ = PollNative(pf, (nuint)_sockets.Length, milliseconds);
        }

        // Fills the window on one socket with up to a batch of queries, the next ones from the file in turn.
        private int Send(int s, long now, byte* sendBase, IoVec* sv, MMsgHdr* sm)
        {
            var room = Math.Min(Batch, options.Window - _outstanding);
            var count = 0;
            var sentAt = _sentAt[s];
            for (; count < room; count++)
            {
                var id = _nextId[s];
                while (sentAt[id] != 0)
                {
                    id++;
                }

                _nextId[s] = (ushort)(id + 1);
                var query = queries[_next];
                _queryOf[s][id] = _next;
                _next = _next + 1 == queries.Length ? 0 : _next + 1;
                var slot = new Span<byte>(sendBase + (count * Slot), Slot);
                query.CopyTo(slot);
                BinaryPrimitives.WriteUInt16BigEndian(slot, id);
                sv[count].Length = (nuint)query.Length;
                sentAt[id] = now;
            }

            if (count == 0)
            {
                return 0;
            }

            var offset = 0;
            while (offset < count)
            {
                var done = SendMmsg((int)_sockets[s].Handle, sm + offset, (uint)(count - offset), 0);
                if (done <= 0)
                {
                    break; // the send buffer is full: take the rest back, they go out on a later turn
                }

                offset += done;
            }

            for (var i = offset; i < count; i++)
            {
                var id = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(sendBase + (i * Slot), 2));
                sentAt[id] = 0;
            }

            _sent += offset;
            _outstanding += offset;
            _outstandingOn[s] += offset;
            return offset;
        }

        private int Receive(int s, byte* receiveBase, MMsgHdr* rm)
        {
            var total = 0;
            while (true)
            {
                for (var i = 0; i < Batch; i++)
                {
                    rm[i].Header.Flags = 0;
                }

                var got = RecvMmsg((int)_sockets[s].Handle, rm, Batch, MsgDontWait, null);
                if (got <= 0)
                {
                    return total;
                }

                var now = Stopwatch.GetTimestamp();
                for (var i = 0; i < got; i++)
                {
                    Check(s, new ReadOnlySpan<byte>(receiveBase + (i * Slot), (int)Math.Min(rm[i].Length, Slot)), now);
                }

                total += got;
                if (got < Batch)
                {
                    return total;
                }
            }
        }

        private void Check(int s, ReadOnlySpan<byte> answer, long now)
        {
            if (answer.Length < 12 || (answer[2] & 0x80) == 0)
            {
                _bad++;
                return;
            }

            var id = BinaryPrimitives.ReadUInt16BigEndian(answer);
            var sentAt = _sentAt[s];
            if (sentAt[id] == 0)
            {
                _bad++; // late (already counted lost) or never asked
                return;
            }

            var query = queries[_queryOf[s][id]];
            if (answer.Length < query.Length || !answer[12..query.Length].SequenceEqual(query.AsSpan(12)))
            {
                _bad++;
                return;
            }

            _latencySum += (double)(now - sentAt[id]) / Stopwatch.Frequency;
            sentAt[id] = 0;
            _outstanding--;
            _outstandingOn[s]--;
            _completed++;
            switch (answer[3] & 0x0F)
            {
                case 0: _noError++; break;
                case 3: _nxDomain++; break;
                default: _otherRcode++; break;
            }
        }

        private void Expire(long now, long timeout)
        {
            for (var s = 0; s < _sockets.Length; s++)
            {
                if (_outstandingOn[s] == 0)
                {
                    continue;
                }

                var sentAt = _sentAt[s];
                for (var id = 0; id < sentAt.Length; id++)
                {
                    if (sentAt[id] != 0 && now - sentAt[id] > timeout)
                    {
                        sentAt[id] = 0;
                        _outstanding--;
                        _outstandingOn[s]--;
                        _lost++;
                    }
                }
            }
        }

        private void Report(double seconds)
        {
            var c = CultureInfo.InvariantCulture;
            Console.WriteLine("Statistics (Kindling.Dns.Load, dnsperf's summary lines):");
            Console.WriteLine(string.Create(c, $"  Queries sent:         {_sent}"));
            Console.WriteLine(string.Create(c, $"  Queries completed:    {_completed} ({100.0 * _completed / Math.Max(1, _sent):F2}%)"));
            Console.WriteLine(string.Create(c, $"  Queries lost:         {_lost} ({100.0 * _lost / Math.Max(1, _sent):F2}%)"));
            Console.WriteLine(string.Create(c, $"  Bad answers:          {_bad}"));
            Console.WriteLine(string.Create(c, $"  Response codes:       NOERROR {_noError}, NXDOMAIN {_nxDomain}, other {_otherRcode}"));
            Console.WriteLine(string.Create(c, $"  Run time (s):         {seconds:F6}"));
            Console.WriteLine(string.Create(c, $"  Queries per second:   {_completed / seconds:F6}"));
            Console.WriteLine(string.Create(c, $"  Average Latency (s):  {_latencySum / Math.Max(1, _completed):F6}"));
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public byte* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public byte* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [DllImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    private static extern int RecvMmsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [DllImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    private static extern int SendMmsg(int fd, MMsgHdr* messages, uint count, int flags);

    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static extern int PollNative(PollFd* fds, nuint count, int timeout);
}
