using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Kindling.Artifacts.Access;

/// <summary>What <see cref="LoginGate.CheckAsync"/> decided.</summary>
public enum LoginOutcome
{
    /// <summary>The user exists and the password is right.</summary>
    Verified,

    /// <summary>Unknown user or wrong password.</summary>
    Rejected,

    /// <summary>Not checked now: the client is backing off after failures, or every check slot is busy. Retry later.</summary>
    Throttled,
}

/// <summary>The outcome, and for <see cref="LoginOutcome.Throttled"/> when to retry.</summary>
public readonly record struct LoginResult(LoginOutcome Outcome, TimeSpan RetryAfter = default);

/// <summary>
/// Password checks with bounded cost, as hardened servers do them (docs/security.md): bcrypt is slow on purpose,
/// so an attacker sending wrong passwords could otherwise buy 150 ms of CPU per request. Pairs are keyed by an
/// HMAC-SHA256 of user and password under a random per-process key (never stored, never comparable across
/// processes). In order:
/// <list type="number">
/// <item>a verified pair is answered from memory (a right password costs bcrypt once, then never again while in use);</item>
/// <item>a recently refused pair is answered "rejected" from memory;</item>
/// <item>a concurrent check of the same pair is awaited, not repeated;</item>
/// <item>a client (remote address, IPv6 by /64) that has failed <see cref="LoginLimits.FreeFailures"/> times backs
///   off (1 s, doubling up to 60 s): new pairs from it are answered "throttled" without bcrypt;</item>
/// <item>at most <see cref="LoginLimits.ConcurrentChecks"/> bcrypt checks run at once; one more is answered
///   "throttled" at once instead of queueing.</item>
/// </list>
/// Requests without credentials never come here.
/// </summary>
public sealed class LoginGate
{
    private readonly Credentials _credentials;
    private readonly LoginLimits _limits;
    private readonly TimeProvider _time;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly int _slots;
    private int _active;
    private readonly ConcurrentDictionary<UInt128, long> _verified = new();
    private readonly ConcurrentDictionary<UInt128, long> _rejected = new();
    private readonly ConcurrentDictionary<UInt128, Task<LoginResult>> _running = new();
    private readonly ConcurrentDictionary<string, ClientFailures> _clients = new(StringComparer.Ordinal);
    private long _checks;
    private long _throttled;

    public LoginGate(Credentials credentials, LoginLimits? limits = null, TimeProvider? time = null)
    {
        _credentials = credentials;
        _limits = limits ?? new LoginLimits();
        _time = time ?? TimeProvider.System;
        _slots = Math.Max(1, _limits.ConcurrentChecks);
    }

    /// <summary>bcrypt checks run since start (for /metrics and tests).</summary>
    public long Checks => Interlocked.Read(ref _checks);

    /// <summary>Attempts answered <see cref="LoginOutcome.Throttled"/> since start.</summary>
    public long Throttled => Interlocked.Read(ref _throttled);

    /// <summary>Checks <paramref name="user"/> and <paramref name="password"/> sent by <paramref name="client"/>.</summary>
    public async ValueTask<LoginResult> CheckAsync(string user, string password, IPAddress? client)
    {
        var key = KeyOf(user, password);
        var now = _time.GetUtcNow().UtcTicks;
        if (Remembered(key, now) is { } remembered)
        {
            return remembered;
        }

        if (!_credentials.HasUser(user))
        {
            // No hash to compare with: answering costs nothing, so it is not counted against the client.
            return new(LoginOutcome.Rejected);
        }

        if (_running.TryGetValue(key, out var running))
        {
            return await running;
        }

        var address = ClientKey(client);
        if (_clients.TryGetValue(address, out var failures) && failures.BlockedFor(now) is { } wait)
        {
            Interlocked.Increment(ref _throttled);
            return new(LoginOutcome.Throttled, wait);
        }

        // Published before a slot is taken, so an identical attempt arriving meanwhile shares this one (and its
        // outcome, throttled included) instead of being refused a slot this check holds.
        var done = new TaskCompletionSource<LoginResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_running.TryAdd(key, done.Task))
        {
            return _running.TryGetValue(key, out running) ? await running : await CheckAsync(user, password, client);
        }

        LoginResult result;
        try
        {
            result = CheckInSlot(user, password, key, address);
        }
        catch (Exception e)
        {
            _running.TryRemove(key, out _);
            done.SetException(e);
            throw;
        }

        _running.TryRemove(key, out _);
        done.SetResult(result);
        return result;
    }

    /// <summary>The answer from memory: a pair verified and in use, or refused recently; null when it must be checked.</summary>
    private LoginResult? Remembered(UInt128 key, long now)
    {
        if (_verified.TryGetValue(key, out var lastUse) && now - lastUse < _limits.VerifiedLifetime.Ticks)
        {
            _verified[key] = now;
            return new(LoginOutcome.Verified);
        }

        if (_rejected.TryGetValue(key, out var refusedUntil) && now < refusedUntil)
        {
            return new(LoginOutcome.Rejected);
        }

        return null;
    }

    /// <summary>
    /// The bcrypt check in one of the slots ("throttled" at once when all are busy), its outcome remembered and a
    /// failure counted against the client.
    /// </summary>
    private LoginResult CheckInSlot(string user, string password, UInt128 key, string address)
    {
        if (Interlocked.Increment(ref _active) > _slots)
        {
            Interlocked.Decrement(ref _active);
            Interlocked.Increment(ref _throttled);
            return new LoginResult(LoginOutcome.Throttled, TimeSpan.FromSeconds(1));
        }

        bool ok;
        try
        {
            Interlocked.Increment(ref _checks);
            ok = _credentials.Verify(user, password);
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }

        var now = _time.GetUtcNow().UtcTicks;
        if (ok)
        {
            Remember(_verified, key, now, _limits.MaxVerified, (_, used) => now - used >= _limits.VerifiedLifetime.Ticks);
        }
        else
        {
            Remember(_rejected, key, now + _limits.RejectedLifetime.Ticks, _limits.MaxRejected, (_, until) => now >= until);
            CountFailure(address, now);
        }

        return new LoginResult(ok ? LoginOutcome.Verified : LoginOutcome.Rejected);
    }

    private UInt128 KeyOf(string user, string password)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(user + "\0" + password), mac);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(mac);
    }

    /// <summary>
    /// A client's key for per-client limits: IPv4 (also when mapped into IPv6) by address; IPv6 by /64, the block
    /// one host usually owns.
    /// </summary>
    public static string ClientKey(IPAddress? client)
    {
        if (client is null)
        {
            return "";
        }

        if (client.IsIPv4MappedToIPv6)
        {
            client = client.MapToIPv4();
        }

        if (client.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            var bytes = client.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new IPAddress(bytes).ToString() + "/64";
        }

        return client.ToString();
    }

    private void CountFailure(string address, long now)
    {
        if (!_clients.ContainsKey(address) && _clients.Count >= _limits.MaxClients)
        {
            foreach (var (stale, record) in _clients)
            {
                if (record.Forgotten(now, _limits.FailureMemory.Ticks))
                {
                    _clients.TryRemove(stale, out _);
                }
            }

            if (_clients.Count >= _limits.MaxClients)
            {
                // Table full of active attackers: new addresses face only the global slot limit.
                return;
            }
        }

        _clients.GetOrAdd(address, _ => new ClientFailures()).Count(now, _limits);
    }

    private static void Remember(ConcurrentDictionary<UInt128, long> cache, UInt128 key, long value, int max, Func<UInt128, long, bool> stale)
    {
        if (cache.Count >= max)
        {
            foreach (var (old, stamp) in cache)
            {
                if (stale(old, stamp))
                {
                    cache.TryRemove(old, out _);
                }
            }

            if (cache.Count >= max)
            {
                // Still full of live entries: start over rather than grow (costs at most one bcrypt per pair again).
                cache.Clear();
            }
        }

        cache[key] = value;
    }

    /// <summary>One client's recent failures and back-off.</summary>
    private sealed class ClientFailures
    {
        private readonly Lock _lock = new();
        private int _failures;
        private long _lastFailure;
        private long _blockedUntil;

        public TimeSpan? BlockedFor(long now)
        {
            lock (_lock)
            {
                return now < _blockedUntil ? TimeSpan.FromTicks(_blockedUntil - now) : null;
            }
        }

        public bool Forgotten(long now, long memory)
        {
            lock (_lock)
            {
                return now - _lastFailure >= memory && now >= _blockedUntil;
            }
        }

        public void Count(long now, LoginLimits limits)
        {
            lock (_lock)
            {
                if (now - _lastFailure >= limits.FailureMemory.Ticks)
                {
                    _failures = 0;
                }

                _failures++;
                _lastFailure = now;
                if (_failures >= limits.FreeFailures)
                {
                    var doublings = Math.Min(_failures - limits.FreeFailures, 30);
                    var backoff = Math.Min(limits.FirstBackoff.Ticks * (1L << doublings), limits.MaxBackoff.Ticks);
                    _blockedUntil = now + backoff;
                }
            }
        }
    }
}
