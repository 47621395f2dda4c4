using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;

namespace Kindling.Artifacts.Http.Files;

/// <summary>S3 REST API XML bodies (namespace http://s3.amazonaws.com/doc/2006-03-01/) and error responses.</summary>
internal static class S3Responses
{
    public static readonly XNamespace Ns = "http://s3.amazonaws.com/doc/2006-03-01/";

    public static async Task WriteXmlAsync(HttpContext context, int status, XElement root)
    {
        var body = Encoding.UTF8.GetBytes(new XDocument(new XDeclaration("1.0", "UTF-8", null), root).Declaration + "\n" + root.ToString(SaveOptions.DisableFormatting));
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/xml";
        context.Response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
    }

    /// <summary>An S3 error (<c>NoSuchKey</c>, <c>NoSuchBucket</c>, <c>AccessDenied</c>, ...), without a body for HEAD.</summary>
    public static Task ErrorAsync(HttpContext context, int status, string code, string message, string? resource = null)
    {
        if (status == 401)
        {
            context.Response.Headers.WWWAuthenticate = Common.BasicAuthentication.Challenge;
        }

        // S3 has no namespace on Error.
        var error = new XElement("Error", new XElement("Code", code), new XElement("Message", message),
            new XElement("Resource", resource ?? context.Request.Path.Value), new XElement("RequestId", context.TraceIdentifier));
        return WriteXmlAsync(context, status, error);
    }

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static string ContentType(string key) => Path.GetExtension(key).ToLowerInvariant() switch
    {
        ".rpm" => "application/x-rpm",
        ".deb" => "application/vnd.debian.binary-package",
        ".xml" => "application/xml",
        ".gz" or ".tgz" => "application/gzip",
        ".zst" => "application/zstd",
        ".bz2" => "application/x-bzip2",
        ".xz" => "application/x-xz",
        ".tar" => "application/x-tar",
        ".iso" => "application/x-iso9660-image",
        ".json" => "application/json",
        ".yaml" or ".yml" => "application/yaml",
        ".txt" or ".md" or ".sha256" or ".sha256sum" or ".asc" => "text/plain",
        ".html" or ".htm" => "text/html",
        _ => "application/octet-stream",
    };
}
