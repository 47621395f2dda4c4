namespace Kindling.Health.Peers;

/// <summary>
/// What an instance publishes to its peers (<c>POST /v1/peer/view</c>, <c>GET /v1/peer/view</c>): its own view of
/// every record, its instance id (its URL in <c>peers.urls</c>), the time it was sent and a sequence number that
/// grows across restarts (see <see cref="PeerViewCodec"/>). Signed with HMAC-SHA256 under the shared secret.
/// </summary>
public sealed record PeerView(int Version, string Instance, long Sequence, DateTimeOffset SentAt, IReadOnlyList<RecordView> Records)
{
    public const int CurrentVersion = 1;

    /// <summary>
    /// The sequence number of the next view sent at <paramref name="now"/>: above the last one and at least the clock in
    /// microseconds, so a restarted instance starts above what it sent before (unless its clock was set back).
    /// </summary>
    public static long NextSequence(long last, DateTimeOffset now) => Math.Max(last + 1, now.ToUnixTimeMilliseconds() * 1000);

    public RecordView? Find(string name) => Records.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));
}
