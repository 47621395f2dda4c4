namespace Kindling.Artifacts.Files;

/// <summary>
/// Caps on S3 multipart uploads (docs/security.md, "Limits"). Each upload is a folder of parts on disk; no file is
/// held open between requests. Uploads need the admin's credentials, so these guard against runaway clients.
/// </summary>
public sealed record MultipartLimits
{
    /// <summary>Uploads in progress on the node (aws-cli and rclone run one per object, a few objects at once).</summary>
    public int MaxOpen { get; init; } = 256;

    /// <summary>An upload that received no part is dropped after this long.</summary>
    public TimeSpan EmptyExpiry { get; init; } = TimeSpan.FromHours(1);

    /// <summary>An upload holding parts is dropped this long after its last change (S3 keeps them until aborted).</summary>
    public TimeSpan Expiry { get; init; } = TimeSpan.FromDays(7);
}
