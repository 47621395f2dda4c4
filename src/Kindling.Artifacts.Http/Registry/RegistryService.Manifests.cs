using Kindling.Artifacts.Registry;
using Microsoft.AspNetCore.Http;

namespace Kindling.Artifacts.Http.Registry;

/// <summary>Manifests: GET/HEAD from memory (no file is opened), PUT checked against the repository, DELETE.</summary>
internal sealed partial class RegistryService
{
    private async ValueTask<string> ManifestAsync(HttpContext context, RegistryRoute route)
    {
        var method = context.Request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method))
        {
            await GetManifestAsync(context, route);
            return "manifest";
        }

        if (HttpMethods.IsPut(method))
        {
            await PutManifestAsync(context, route);
            return "manifest";
        }

        if (HttpMethods.IsDelete(method))
        {
            RequireWriter(context, route.Name);
            _registry.DeleteManifest(route.Name, route.Reference);
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            context.Response.ContentLength = 0;
            return "manifest";
        }

        throw MethodNotAllowed(context, "manifests");
    }

    /// <summary>GET/HEAD: the stored manifest as it came, from memory, when the Accept header allows its type; 304 for a matching If-None-Match.</summary>
    private async Task GetManifestAsync(HttpContext context, RegistryRoute route)
    {
        RequireReader(context);
        var name = ResolveName(context, route.Name);
        var manifest = _registry.FindManifest(name, route.Reference) ?? NotFound(name, route.Reference);
        if (!Accepts(context.Request.Headers.Accept, manifest.MediaType) && !route.Reference.StartsWith("sha256:", StringComparison.Ordinal))
        {
            throw new RegistryException(RegistryErrorCode.ManifestUnknown, 404,
                $"manifest '{route.Reference}' of '{name}' is {manifest.MediaType}, which the request's Accept header does not list");
        }

        var response = context.Response;
        var headers = response.Headers;
        headers["Docker-Content-Digest"] = manifest.Digest.Value;
        headers.ETag = manifest.ETag;
        if (context.Request.Headers.IfNoneMatch.Count > 0 && context.Request.Headers.IfNoneMatch.ToString().Contains(manifest.ETag, StringComparison.Ordinal))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        response.ContentType = manifest.MediaType;
        response.ContentLength = manifest.ContentLength;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.BodyWriter.WriteAsync(manifest.Content, context.RequestAborted);
        }
    }

    /// <summary>PUT: the manifest (within its size limit) checked against the repository and stored; 201 with its digest.</summary>
    private async Task PutManifestAsync(HttpContext context, RegistryRoute route)
    {
        RequireWriter(context, route.Name);
        var length = context.Request.ContentLength;
        if (length > ManifestDocument.MaxBytes)
        {
            throw new RegistryException(RegistryErrorCode.SizeInvalid, 413,
                $"manifest of {length} bytes is larger than the {ManifestDocument.MaxBytes / (1024 * 1024)} MiB limit");
        }

        EnsureRoom($"manifest {route.Name}:{route.Reference}", length);
        var content = await ReadLimitedAsync(context, ManifestDocument.MaxBytes);
        var stored = _registry.PutManifest(route.Name, route.Reference, content, context.Request.ContentType);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status201Created;
        response.Headers.Location = $"/v2/{route.Name}/manifests/{stored.Digest}";
        response.Headers["Docker-Content-Digest"] = stored.Digest.Value;
        if (stored.Subject is { } subject)
        {
            response.Headers["OCI-Subject"] = subject.Digest.Value;
        }

        response.ContentLength = 0;
    }

    /// <summary>
    /// Why a GET or HEAD finds no manifest. A reference that cannot be a tag names no manifest: 404 MANIFEST_UNKNOWN,
    /// as the distribution-spec wants for any manifest not found (its conformance suite asks for
    /// <c>.INVALID_MANIFEST_NAME</c>); a PUT with such a tag is still refused with 400 TAG_INVALID.
    /// </summary>
    private StoredManifest NotFound(string name, string reference)
    {
        if (!reference.Contains(':', StringComparison.Ordinal) && !RepositoryNames.IsValidTag(reference))
        {
            RepositoryNames.CheckName(name);
            throw new RegistryException(RegistryErrorCode.ManifestUnknown, 404,
                $"manifest '{RepositoryNames.Shorten(reference)}' is not in repository '{name}' (nor can it be: tags are [a-zA-Z0-9_][a-zA-Z0-9._-], at most 128 characters)");
        }

        return _registry.GetManifest(name, reference);
    }

    /// <summary>
    /// Accept negotiation: no Accept header, a wildcard, or the stored type itself. The registry keeps one
    /// representation, so it never converts; a client listing only other types gets MANIFEST_UNKNOWN, as from
    /// the Distribution registry.
    /// </summary>
    private static bool Accepts(Microsoft.Extensions.Primitives.StringValues accept, string mediaType)
    {
        if (accept.Count == 0)
        {
            return true;
        }

        foreach (var value in accept)
        {
            if (value is null || value.Length == 0 || value.Contains(mediaType, StringComparison.OrdinalIgnoreCase)
                || value.Contains("*/*", StringComparison.Ordinal) || value.Contains("application/*", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<byte[]> ReadLimitedAsync(HttpContext context, int limit)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new RegistryException(RegistryErrorCode.SizeInvalid, 413, $"manifest is larger than the {limit / (1024 * 1024)} MiB limit");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
