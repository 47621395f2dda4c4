using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Xml.Linq;
using Kindling.Artifacts.Storage;
using Kindling.Replication.Transfer;

namespace Kindling.Replication.Files;

/// <summary>One object as a listing shows it: its key, size and ETag (without quotes; the hex MD5 for single-part objects).</summary>
internal sealed record StoredObject(string Key, long Size, string ETag);

/// <summary>
/// A client of the S3 REST API, path style, as the node's file store (and MinIO) serve it: ListBuckets,
/// ListObjectsV2 with continuation tokens, GET streamed through an MD5 check against the ETag, PUT and DELETE
/// with HTTP Basic credentials (the node accepts them beside AWS Signature V4).
/// </summary>
internal sealed class ObjectStoreClient
{
    /// <summary>S3's errors: <c>Code: Message</c> from the XML body; a refused write (401, 403) asks for credentials.</summary>
    private static readonly NodeErrorStyle S3Errors = new(S3ErrorDetail,
        response => response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden && response.RequestMessage?.Method != HttpMethod.Get);

    private readonly NodeApi _api;

    public ObjectStoreClient(HttpClient http, Uri baseUrl, string? credentials = null) =>
        _api = new NodeApi(http, baseUrl, credentials, S3Errors);

    public Uri BaseUrl => _api.BaseUrl;

    /// <summary>The buckets this client may see (anonymous: the public ones).</summary>
    public async Task<IReadOnlyList<string>> BucketsAsync(CancellationToken cancellationToken)
    {
        using var request = _api.Request(HttpMethod.Get, "");
        using var response = await _api.SendAsync(request, cancellationToken);
        await _api.EnsureSuccessAsync(response, "list the buckets", cancellationToken);
        var xml = await ParseAsync(response, cancellationToken);
        return xml.Descendants().Where(e => e.Name.LocalName == "Bucket")
            .Select(b => b.Elements().First(e => e.Name.LocalName == "Name").Value).ToList();
    }

    /// <summary>Every object of a bucket (ListObjectsV2, 1,000 per page).</summary>
    public async Task<IReadOnlyList<StoredObject>> ListAsync(string bucket, CancellationToken cancellationToken)
    {
        var objects = new List<StoredObject>();
        string? token = null;
        do
        {
            var query = $"{Uri.EscapeDataString(bucket)}?list-type=2&max-keys=1000" + (token is null ? "" : $"&continuation-token={Uri.EscapeDataString(token)}");
            using var request = _api.Request(HttpMethod.Get, query);
            using var response = await _api.SendAsync(request, cancellationToken);
            await _api.EnsureSuccessAsync(response, $"list bucket {bucket}", cancellationToken);
            var xml = await ParseAsync(response, cancellationToken);
            foreach (var item in xml.Root!.Elements().Where(e => e.Name.LocalName == "Contents"))
            {
                string Field(string name) => item.Elements().First(e => e.Name.LocalName == name).Value;
                objects.Add(new StoredObject(Field("Key"), long.Parse(Field("Size"), System.Globalization.CultureInfo.InvariantCulture), Field("ETag").Trim('"')));
            }

            var truncated = xml.Root.Elements().FirstOrDefault(e => e.Name.LocalName == "IsTruncated")?.Value == "true";
            token = truncated ? xml.Root.Elements().FirstOrDefault(e => e.Name.LocalName == "NextContinuationToken")?.Value : null;
            if (truncated && token is null)
            {
                throw new ReplicationException($"{BaseUrl}{bucket}: a truncated listing without NextContinuationToken");
            }
        }
        while (token is not null);

        return objects;
    }

    /// <summary>The first object of a bucket (one ListObjectsV2 page of one key), or null when it is empty.</summary>
    public async Task<StoredObject?> FirstAsync(string bucket, CancellationToken cancellationToken)
    {
        using var request = _api.Request(HttpMethod.Get, $"{Uri.EscapeDataString(bucket)}?list-type=2&max-keys=1");
        using var response = await _api.SendAsync(request, cancellationToken);
        await _api.EnsureSuccessAsync(response, $"list bucket {bucket}", cancellationToken);
        var xml = await ParseAsync(response, cancellationToken);
        var item = xml.Root!.Elements().FirstOrDefault(e => e.Name.LocalName == "Contents");
        if (item is null)
        {
            return null;
        }

        string Field(string name) => item.Elements().First(e => e.Name.LocalName == name).Value;
        return new StoredObject(Field("Key"), long.Parse(Field("Size"), System.Globalization.CultureInfo.InvariantCulture), Field("ETag").Trim('"'));
    }

    /// <summary>An object's size and ETag (HEAD), or null when it does not exist.</summary>
    public async Task<StoredObject?> HeadAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        using var request = _api.Request(HttpMethod.Head, ObjectPath(bucket, key));
        using var response = await _api.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await _api.EnsureSuccessAsync(response, $"check {bucket}/{key}", cancellationToken);
        return new StoredObject(key, response.Content.Headers.ContentLength ?? 0, response.Headers.ETag?.Tag.Trim('"') ?? "");
    }

    /// <summary>Opens an object; the stream fails before its last bytes when they do not match the ETag's MD5.</summary>
    public async Task<Stream> OpenAsync(string bucket, StoredObject item, CancellationToken cancellationToken)
    {
        using var request = _api.Request(HttpMethod.Get, ObjectPath(bucket, item.Key));
        var response = await _api.SendAsync(request, cancellationToken, HttpCompletionOption.ResponseHeadersRead);
        try
        {
            await _api.EnsureSuccessAsync(response, $"download {bucket}/{item.Key}", cancellationToken);
            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var length = response.Content.Headers.ContentLength ?? item.Size;
            var url = $"{BaseUrl}{bucket}/{item.Key}";
            if (length != item.Size)
            {
                throw new CorruptContentException($"{url}: the source serves {length} bytes, its listing says {item.Size}; not propagated");
            }

            // A multipart ETag (hex-N) is no MD5 of the content: such objects are copied unchecked.
            return IsMd5(item.ETag)
                ? new VerifiedStream(body, response, HashAlgorithmName.MD5, Convert.FromHexString(item.ETag), $"ETag \"{item.ETag}\" (MD5)", length, url)
                : new OwnedStream(body, response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public async Task PutAsync(string bucket, string key, Stream content, long length, CancellationToken cancellationToken)
    {
        using var request = _api.Request(HttpMethod.Put, ObjectPath(bucket, key));
        request.Content = new StreamContent(content, 256 * 1024);
        request.Content.Headers.ContentLength = length;
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await _api.SendAsync(request, cancellationToken);
        await _api.EnsureSuccessAsync(response, $"store {bucket}/{key}", cancellationToken);
    }

    public async Task CreateBucketAsync(string bucket, CancellationToken cancellationToken)
    {
        using var request = _api.Request(HttpMethod.Put, Uri.EscapeDataString(bucket));
        using var response = await _api.SendAsync(request, cancellationToken);
        await _api.EnsureSuccessAsync(response, $"create bucket {bucket}", cancellationToken);
    }

    public async Task DeleteAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        using var request = _api.Request(HttpMethod.Delete, ObjectPath(bucket, key));
        using var response = await _api.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            await _api.EnsureSuccessAsync(response, $"delete {bucket}/{key}", cancellationToken);
        }
    }

    public static bool IsMd5(string etag) => etag.Length == 32 && etag.All(char.IsAsciiHexDigit);

    /// <summary>The path of an object with each key segment percent-encoded (keys keep their slashes).</summary>
    internal static string ObjectPath(string bucket, string key) =>
        Uri.EscapeDataString(bucket) + "/" + string.Join('/', key.Split('/').Select(Uri.EscapeDataString));

    private static async Task<XDocument> ParseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await XDocument.LoadAsync(await response.Content.ReadAsStreamAsync(cancellationToken), LoadOptions.None, cancellationToken);
        }
        catch (System.Xml.XmlException e)
        {
            throw new ReplicationException($"{response.RequestMessage?.RequestUri}: not S3 XML ({e.Message})", e);
        }
    }

    private static string S3ErrorDetail(string body)
    {
        try
        {
            var xml = XDocument.Parse(body);
            return string.Join(": ", xml.Root!.Elements().Where(e => e.Name.LocalName is "Code" or "Message").Select(e => e.Value));
        }
        catch (System.Xml.XmlException)
        {
            return body;
        }
    }

    /// <summary>A response body that disposes its response with it.</summary>
    private sealed class OwnedStream(Stream inner, IDisposable owner) : ReadOnlyStream
    {
        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                owner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
