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
        _ => "application/octet-stream",
    };

    /// <summary>
    /// Types a browser runs script from (HTML, SVG, XML with XHTML inside, JavaScript): an uploaded object of such a
    /// type is served as a download (<c>Content-Disposition: attachment</c>) in a CSP sandbox, so a page uploaded to
    /// the node never runs on the node's origin. HTML, SVG and script also lose their type (octet-stream).
    /// </summary>
    public static bool IsActive(string key) => Path.GetExtension(key).ToLowerInvariant() is
        ".html" or ".htm" or ".xhtml" or ".xht" or ".shtml" or ".svg" or ".svgz" or ".xml" or ".xsl" or ".xslt" or ".js" or ".mjs" or ".swf" or ".pdf";

    /// <summary>Headers for an object of an active type (see <see cref="IsActive"/>); others get only nosniff (set for every answer).</summary>
    public static void ProtectActiveContent(HttpContext context, string key)
    {
        if (!IsActive(key))
        {
            return;
        }

        var name = Path.GetFileName(key);
        var ascii = new string([.. name.Select(c => c is >= ' ' and < (char)127 and not '"' and not '\\' ? c : '_')]);
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{ascii}\"; filename*=UTF-8''{Uri.EscapeDataString(name)}";
        context.Response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'";
    }
}
