namespace Kindling.Artifacts.Registry;

/// <summary>
/// Caps on blob upload sessions (docs/security.md, "Limits"). Uploads need the admin's credentials, so these guard
/// against broken or runaway clients rather than strangers: each session is a folder on disk (no file is held
/// open between requests), and sessions that never complete are dropped after their idle time.
/// </summary>
public sealed record UploadLimits
{
    /// <summary>
    /// Sessions in progress on the node. A push opens one per layer at a time (containerd, skopeo and docker push
    /// 3 to 6 layers at once), so 256 leaves room for dozens of pushes together.
    /// </summary>
    public int MaxOpen { get; init; } = 256;

    /// <summary>Sessions in progress from one client address: a few parallel pushers on one host.</summary>
    public int MaxPerClient { get; init; } = 64;

    /// <summary>A session that received no byte is dropped after this long idle.</summary>
    public TimeSpan EmptyIdleLimit { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>A session holding bytes is kept this long idle, for the client to resume.</summary>
    public TimeSpan IdleLimit { get; init; } = TimeSpan.FromHours(24);
}
