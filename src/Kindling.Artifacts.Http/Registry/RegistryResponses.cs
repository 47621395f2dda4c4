using System.Text.Json.Nodes;
using Kindling.Artifacts.Http.Common;
using Kindling.Artifacts.Registry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kindling.Artifacts.Http.Registry;

/// <summary>The registry's error bodies (OCI Distribution Specification v1.1, "Error Codes") and common headers.</summary>
internal static class RegistryResponses
{
    public const string ApiVersionHeader = "Docker-Distribution-API-Version";
    public const string ApiVersion = "registry/2.0";

    public static async Task WriteErrorAsync(HttpContext context, RegistryException error, ILogger logger)
    {
        var request = context.Request;
        if (error.Status is 404 or 401 || (error.Status == 416 && HttpMethods.IsPatch(request.Method)))
        {
            // Routine for clients: HEAD before push, anonymous ping, resume after a lost chunk.
            logger.LogDebug("registry: {Method} {Path} -> {Status} {Code}: {Message}", request.Method, request.Path, error.Status, error.CodeText, error.Message);
        }
        else
        {
            logger.LogWarning("registry: {Method} {Path} refused, {Status} {Code}: {Message}", request.Method, request.Path, error.Status, error.CodeText, error.Message);
        }

        if (context.Response.HasStarted)
        {
            context.Abort();
            return;
        }

        var response = context.Response;
        response.StatusCode = error.Status;
        response.Headers[ApiVersionHeader] = ApiVersion;
        if (error.Code == RegistryErrorCode.Unauthorized)
        {
            response.Headers.WWWAuthenticate = BasicAuthentication.Challenge;
        }

        var entry = new JsonObject { ["code"] = error.CodeText, ["message"] = error.Message, ["detail"] = error.Detail is null ? null : JsonTree.Map(error.Detail) };
        var body = JsonTree.ToUtf8(new JsonObject { ["errors"] = new JsonArray(entry) }, indented: false);
        response.ContentType = "application/json";
        response.ContentLength = HttpMethods.IsHead(request.Method) ? null : body.Length;
        if (!HttpMethods.IsHead(request.Method))
        {
            await response.Body.WriteAsync(body, context.RequestAborted);
        }
    }

    public static RegistryException Unauthorized(string what) =>
        new(RegistryErrorCode.Unauthorized, 401,
            $"{what} needs credentials: log in as the node's admin user (the password is in the data folder's admin-credentials file)");

    /// <summary>The answer to <see cref="Caller.Throttled"/>: the Retry-After header is already set.</summary>
    public static RegistryException Throttled() =>
        new(RegistryErrorCode.TooManyRequests, 429,
            "too many wrong passwords from this address, or too many password checks at once: the credentials were not checked; retry after the Retry-After seconds");

    public static RegistryException CallerRefused(Caller caller, string what) => caller switch
    {
        Caller.Rejected => BadCredentials(),
        Caller.Throttled => Throttled(),
        _ => Unauthorized(what),
    };

    public static RegistryException BadCredentials() =>
        new(RegistryErrorCode.Unauthorized, 401, "the credentials sent do not match a user of this registry");
}
