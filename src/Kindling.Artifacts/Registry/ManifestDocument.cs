using System.Text.Json;
using Kindling.Artifacts.Storage;

namespace Kindling.Artifacts.Registry;

/// <summary>A content descriptor (OCI Image Specification v1.1, "Descriptors").</summary>
public sealed record Descriptor(string MediaType, Digest Digest, long Size, string? ArtifactType = null,
    IReadOnlyDictionary<string, string>? Annotations = null, bool HasUrls = false)
{
    /// <summary>The Docker foreign layer type (Windows base layers), fetched from its <c>urls</c>.</summary>
    public const string DockerForeignLayer = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

    /// <summary>"os/architecture[/variant]" of an index entry, when it names one (offline packages' layouts).</summary>
    public string? Platform { get; init; }

    /// <summary>An image index (OCI) or manifest list (Docker).</summary>
    public bool IsIndex => MediaType is ManifestDocument.OciIndex or ManifestDocument.DockerManifestList;

    /// <summary>An image manifest (OCI or Docker schema 2).</summary>
    public bool IsManifest => MediaType is ManifestDocument.OciManifest or ManifestDocument.DockerManifest;

    /// <summary>
    /// A layer the registry need not hold, as the Distribution registry decides: a non-distributable layer
    /// (<c>application/vnd.oci.image.layer.nondistributable.*</c>, or the Docker foreign layer) that names
    /// <c>urls</c>. Any other missing blob is MANIFEST_BLOB_UNKNOWN, urls or not.
    /// </summary>
    public bool IsExternal => HasUrls
        && (MediaType.StartsWith("application/vnd.oci.image.layer.nondistributable.", StringComparison.Ordinal) || MediaType == DockerForeignLayer);
}

/// <summary>
/// A manifest checked on push: an OCI image manifest or index (OCI Image Specification v1.1), or a Docker image
/// manifest V2 schema 2 or manifest list. It yields the blobs and manifests it references (which must already be
/// in the repository), its <c>subject</c> (for the referrers API) and its artifact type.
/// </summary>
public sealed record ManifestDocument(string MediaType, IReadOnlyList<Descriptor> Blobs, IReadOnlyList<Descriptor> Manifests,
    Descriptor? Subject, string? ArtifactType, IReadOnlyDictionary<string, string>? Annotations)
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";

    /// <summary>The manifest types this registry stores.</summary>
    public static readonly IReadOnlyList<string> SupportedMediaTypes = [OciManifest, OciIndex, DockerManifest, DockerManifestList];

    /// <summary>The OCI Distribution Specification's suggested limit; larger manifests are refused with 413.</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    public bool IsIndex => MediaType is OciIndex or DockerManifestList;

    /// <summary>Parses and checks <paramref name="content"/>, sent with <paramref name="contentType"/>.</summary>
    public static ManifestDocument Parse(ReadOnlySpan<byte> content, string? contentType)
    {
        try
        {
            return ParseJson(content, contentType);
        }
        catch (InvalidOperationException e)
        {
            // System.Text.Json checks a string's UTF-8 and escapes (lone surrogates) only when it is read.
            throw RegistryException.ManifestInvalid($"manifest holds a string that is not valid UTF-8 or UTF-16: {e.Message}");
        }
    }

    private static ManifestDocument ParseJson(ReadOnlySpan<byte> content, string? contentType)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(content.ToArray(), new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException e)
        {
            throw RegistryException.ManifestInvalid($"manifest is not valid JSON: {e.Message}");
        }

        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw RegistryException.ManifestInvalid("manifest is not a JSON object");
            }

            if (!root.TryGetProperty("schemaVersion", out var version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var schemaVersion) || schemaVersion != 2)
            {
                throw RegistryException.ManifestInvalid("manifest schemaVersion must be 2 (Docker schema 1 manifests are not supported)");
            }

            var declared = OptionalString(root, "mediaType");
            var type = MediaTypeOf(declared, contentType, root);
            var subject = root.TryGetProperty("subject", out var s) ? ReadDescriptor(s, "subject") : null;
            var annotations = ReadAnnotations(root);
            var artifactType = OptionalString(root, "artifactType");
            if (type is OciIndex or DockerManifestList)
            {
                var manifests = ReadDescriptors(root, "manifests", required: true);
                return new ManifestDocument(type, [], manifests, subject, artifactType, annotations);
            }

            if (!root.TryGetProperty("config", out var configElement))
            {
                throw RegistryException.ManifestInvalid("image manifest has no 'config' descriptor");
            }

            // The config is always held by the registry, whatever it names (Distribution checks it the same way).
            var config = ReadDescriptor(configElement, "config") with { HasUrls = false };
            var layers = ReadDescriptors(root, "layers", required: true);
            // Referrers API: an image manifest's artifact type falls back to its config media type.
            return new ManifestDocument(type, [config, .. layers], [], subject, artifactType ?? config.MediaType, annotations);
        }
    }

    private static string MediaTypeOf(string? declared, string? contentType, JsonElement root)
    {
        var header = contentType?.Split(';')[0].Trim();
        if (string.IsNullOrEmpty(header) || header == "application/json" || header == "application/octet-stream")
        {
            header = null;
        }

        if (declared is not null && header is not null && declared != header)
        {
            throw RegistryException.ManifestInvalid($"manifest mediaType '{declared}' differs from the Content-Type '{header}' it was sent with");
        }

        var type = declared ?? header ?? (root.TryGetProperty("manifests", out _) ? OciIndex : root.TryGetProperty("config", out _) ? OciManifest : null);
        if (type is null)
        {
            throw RegistryException.ManifestInvalid("manifest has no mediaType and no Content-Type naming one");
        }

        if (!SupportedMediaTypes.Contains(type))
        {
            throw new RegistryException(RegistryErrorCode.ManifestInvalid, 415,
                $"manifest media type '{type}' is not supported: use one of {string.Join(", ", SupportedMediaTypes)}");
        }

        return type;
    }

    private static List<Descriptor> ReadDescriptors(JsonElement root, string property, bool required)
    {
        if (!root.TryGetProperty(property, out var array))
        {
            return required ? throw RegistryException.ManifestInvalid($"manifest has no '{property}' array") : [];
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            throw RegistryException.ManifestInvalid($"manifest '{property}' is not an array");
        }

        var list = new List<Descriptor>(array.GetArrayLength());
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            list.Add(ReadDescriptor(item, $"{property}[{index++}]"));
        }

        return list;
    }

    private static Descriptor ReadDescriptor(JsonElement element, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw RegistryException.ManifestInvalid($"manifest {where} is not a descriptor object");
        }

        var mediaType = OptionalString(element, "mediaType")
            ?? throw RegistryException.ManifestInvalid($"manifest {where} has no mediaType");
        var digestText = OptionalString(element, "digest")
            ?? throw RegistryException.ManifestInvalid($"manifest {where} has no digest");
        if (!Digest.TryParse(digestText, out var digest, out var error))
        {
            throw RegistryException.DigestInvalid($"manifest {where}: {error}");
        }

        if (!element.TryGetProperty("size", out var sizeElement) || sizeElement.ValueKind != JsonValueKind.Number
            || !sizeElement.TryGetInt64(out var size) || size < 0)
        {
            throw RegistryException.ManifestInvalid($"manifest {where} has no valid size");
        }

        var hasUrls = element.TryGetProperty("urls", out var urls) && urls.ValueKind == JsonValueKind.Array && urls.GetArrayLength() > 0;
        return new Descriptor(mediaType, digest.Value, size, OptionalString(element, "artifactType"), ReadAnnotations(element), hasUrls);
    }

    private static Dictionary<string, string>? ReadAnnotations(JsonElement element)
    {
        if (!element.TryGetProperty("annotations", out var annotations) || annotations.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in annotations.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.String)
            {
                result[property.Name] = property.Value.GetString()!;
            }
        }

        return result;
    }

    private static string? OptionalString(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw RegistryException.ManifestInvalid($"manifest field '{name}' is not a string");
    }
}
