namespace Kindling.Replication.Transfer;

/// <summary>
/// How one protocol words its errors: <paramref name="Detail"/> turns the start of an error body (never empty) into the
/// message's detail (the registry's first <c>errors[]</c> code and message, S3's <c>Code: Message</c>, or the text as
/// it is); <paramref name="NeedsCredentials"/> tells whether the answer is a refusal for want of credentials.
/// </summary>
internal sealed record NodeErrorStyle(Func<string, string> Detail, Func<HttpResponseMessage, bool> NeedsCredentials)
{
    /// <summary>The body as it is; a 401 asks for credentials (the chart repository).</summary>
    public static NodeErrorStyle PlainText { get; } = new(body => body, NodeApi.Unauthorized);
}
