namespace Kindling.Artifacts.Http.Files;

/// <summary>
/// Who sent a files request: <see cref="Sent"/> credentials at all, <see cref="Authenticated"/> by them; a signature
/// <see cref="Error"/> (<see cref="Malformed"/> when the Authorization header itself is), the signed
/// <see cref="PayloadHash"/>, or <see cref="Throttled"/> when the password check was not run.
/// </summary>
internal readonly record struct S3Caller(bool Authenticated, bool Sent, string? Error, string? PayloadHash, bool Throttled, bool Malformed);
