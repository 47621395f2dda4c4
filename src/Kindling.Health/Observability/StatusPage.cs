namespace Kindling.Health.Observability;

/// <summary>
/// The status page served at <c>/</c>: one file (HTML, CSS and script) embedded in the assembly, shared with the node's
/// <c>/kindling/</c>, polling <c>/status</c>. Nothing is loaded from elsewhere, and the Content-Security-Policy forbids it.
/// </summary>
internal static class StatusPage
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'";

    private static readonly Lazy<byte[]> Page = new(() =>
    {
        using var stream = typeof(StatusPage).Assembly.GetManifestResourceStream("Kindling.Console.html")
            ?? throw new InvalidOperationException("the status page is not embedded (Kindling.Console.html)");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static byte[] Html => Page.Value;
}
