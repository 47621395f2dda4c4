namespace Kindling.Artifacts.Access;

/// <summary>
/// How <see cref="LoginGate"/> bounds the cost of password checks (docs/security.md, "Limits"). Each bcrypt check
/// (cost 11) is about 150 ms of one core; these limits keep wrong passwords from buying more than a bounded share
/// of the machine, while a password already verified is answered from memory.
/// </summary>
public sealed record LoginLimits
{
    /// <summary>bcrypt checks running at once; a check that finds every slot busy is answered 429 at once (never queued).</summary>
    public int ConcurrentChecks { get; init; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Wrong passwords a client (remote address) may try before its back-off starts.</summary>
    public int FreeFailures { get; init; } = 5;

    /// <summary>The first back-off; it doubles with each further failure up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan FirstBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A client's failures are forgotten after this long without one.</summary>
    public TimeSpan FailureMemory { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A verified (user, password) is answered from memory this long after its last use.</summary>
    public TimeSpan VerifiedLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>A wrong (user, password) is answered 401 from memory this long.</summary>
    public TimeSpan RejectedLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Verified pairs remembered (only right passwords get in, so at most one per user in practice).</summary>
    public int MaxVerified { get; init; } = 1024;

    /// <summary>Wrong pairs remembered.</summary>
    public int MaxRejected { get; init; } = 4096;

    /// <summary>Client addresses whose failures are counted.</summary>
    public int MaxClients { get; init; } = 16384;
}
