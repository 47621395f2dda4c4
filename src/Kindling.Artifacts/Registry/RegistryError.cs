namespace Kindling.Artifacts.Registry;

/// <summary>
/// The error codes of the OCI Distribution Specification v1.1 ("Error Codes" table), with the HTTP status each is
/// answered with. <c>TAG_INVALID</c> and <c>UNSUPPORTED</c> follow the Distribution registry.
/// </summary>
public enum RegistryErrorCode
{
    BlobUnknown,
    BlobUploadInvalid,
    BlobUploadUnknown,
    DigestInvalid,
    ManifestBlobUnknown,
    ManifestInvalid,
    ManifestUnknown,
    NameInvalid,
    NameUnknown,
    SizeInvalid,
    TagInvalid,
    Unauthorized,
    Denied,
    Unsupported,
    RangeInvalid,
    TooManyRequests,

    /// <summary>
    /// Distribution's <c>UNKNOWN</c> (errcode.ErrorCodeUnknown, HTTP 500): what its handlers answer when the storage
    /// driver fails a write, a full disk included. Kindling answers a full data folder with it (see
    /// docs/storage-layout.md, "When the disk is full").
    /// </summary>
    Unknown,
}

/// <summary>A request the registry refuses: the spec's code, an HTTP status, and a message saying what and where.</summary>
public sealed class RegistryException(RegistryErrorCode code, int status, string message, IReadOnlyDictionary<string, string>? detail = null) : Exception(message)
{
    public RegistryErrorCode Code { get; } = code;
    public int Status { get; } = status;
    public IReadOnlyDictionary<string, string>? Detail { get; } = detail;

    /// <summary>The code as the spec spells it (<c>BLOB_UNKNOWN</c>, ...).</summary>
    public string CodeText => Spell(Code);

    public static string Spell(RegistryErrorCode code) => code switch
    {
        RegistryErrorCode.BlobUnknown => "BLOB_UNKNOWN",
        RegistryErrorCode.BlobUploadInvalid => "BLOB_UPLOAD_INVALID",
        RegistryErrorCode.BlobUploadUnknown => "BLOB_UPLOAD_UNKNOWN",
        RegistryErrorCode.DigestInvalid => "DIGEST_INVALID",
        RegistryErrorCode.ManifestBlobUnknown => "MANIFEST_BLOB_UNKNOWN",
        RegistryErrorCode.ManifestInvalid => "MANIFEST_INVALID",
        RegistryErrorCode.ManifestUnknown => "MANIFEST_UNKNOWN",
        RegistryErrorCode.NameInvalid => "NAME_INVALID",
        RegistryErrorCode.NameUnknown => "NAME_UNKNOWN",
        RegistryErrorCode.SizeInvalid => "SIZE_INVALID",
        RegistryErrorCode.TagInvalid => "TAG_INVALID",
        RegistryErrorCode.Unauthorized => "UNAUTHORIZED",
        RegistryErrorCode.Denied => "DENIED",
        RegistryErrorCode.Unsupported => "UNSUPPORTED",
        RegistryErrorCode.RangeInvalid => "BLOB_UPLOAD_INVALID",
        RegistryErrorCode.TooManyRequests => "TOOMANYREQUESTS",
        RegistryErrorCode.Unknown => "UNKNOWN",
        _ => "UNKNOWN",
    };

    public static RegistryException NameUnknown(string name) =>
        new(RegistryErrorCode.NameUnknown, 404, $"repository '{name}' is not known to this registry");

    public static RegistryException ManifestUnknown(string name, string reference) =>
        new(RegistryErrorCode.ManifestUnknown, 404, $"manifest '{reference}' is not in repository '{name}'");

    public static RegistryException BlobUnknown(string name, string digest) =>
        new(RegistryErrorCode.BlobUnknown, 404, $"blob {digest} is not in repository '{name}'");

    public static RegistryException DigestInvalid(string message) => new(RegistryErrorCode.DigestInvalid, 400, message);

    public static RegistryException ManifestInvalid(string message) => new(RegistryErrorCode.ManifestInvalid, 400, message);

    /// <summary>
    /// A write that found the data folder full: <c>UNKNOWN</c> with 500 as Distribution answers a failed storage write,
    /// or 507 Insufficient Storage when the node refused it before writing (below <c>--min-free</c>); the message says
    /// "no space left" and what was removed.
    /// </summary>
    public static RegistryException StorageFull(Storage.StorageFullException e) =>
        new(RegistryErrorCode.Unknown, e.Early ? 507 : 500, e.ClientMessage, new Dictionary<string, string> { ["reason"] = "no space left on device" });

    public static RegistryException UploadUnknown(string id) =>
        new(RegistryErrorCode.BlobUploadUnknown, 404, $"upload '{id}' is not in progress (finished, cancelled, or never started): start a new one with POST");
}
