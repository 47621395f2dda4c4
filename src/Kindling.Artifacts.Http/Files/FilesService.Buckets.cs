using System.Text;
using System.Xml.Linq;
using Kindling.Artifacts.Files;
using Microsoft.AspNetCore.Http;
using static Kindling.Artifacts.Http.Files.S3Responses;

namespace Kindling.Artifacts.Http.Files;

/// <summary>Buckets: ListBuckets, ListObjects (V1 and V2), CreateBucket, HeadBucket and GetBucketLocation.</summary>
internal sealed partial class FilesService
{
    private async ValueTask<string> BucketAsync(HttpContext context, string bucket)
    {
        var method = context.Request.Method;
        if (HttpMethods.IsPut(method))
        {
            EnsureRoom(context, $"bucket {bucket}");
            _files.CreateBucket(bucket);
            context.Response.StatusCode = 200;
            context.Response.Headers.Location = "/" + bucket;
            return "bucket";
        }

        if (!_files.BucketExists(bucket))
        {
            await ErrorAsync(context, 404, "NoSuchBucket", $"bucket '{bucket}' does not exist");
            return "bucket";
        }

        if (HttpMethods.IsHead(method))
        {
            context.Response.StatusCode = 200;
            return "bucket";
        }

        if (!HttpMethods.IsGet(method))
        {
            await ErrorAsync(context, 405, "MethodNotAllowed", $"{method} is not supported on buckets");
            return "bucket";
        }

        var query = context.Request.Query;
        if (query.ContainsKey("location"))
        {
            await WriteXmlAsync(context, 200, new XElement(Ns + "LocationConstraint", ""));
            return "bucket";
        }

        await ListObjectsAsync(context, bucket);
        return "list";
    }

    private async Task ListObjectsAsync(HttpContext context, string bucket)
    {
        var query = context.Request.Query;
        var v2 = query["list-type"] == "2";
        var prefix = query["prefix"].ToString();
        var delimiter = query["delimiter"].ToString();
        var maxKeys = int.TryParse(query["max-keys"], out var m) ? Math.Clamp(m, 0, 1000) : 1000;
        string? after = v2
            ? (query.TryGetValue("continuation-token", out var token) ? Decode(token.ToString()) : query.TryGetValue("start-after", out var start) ? start.ToString() : null)
            : query.TryGetValue("marker", out var marker) ? marker.ToString() : null;

        var (contents, prefixes, last, truncated) = ReadPage(bucket, prefix, delimiter, maxKeys, after);
        var result = new XElement(Ns + "ListBucketResult",
            new XElement(Ns + "Name", bucket),
            new XElement(Ns + "Prefix", prefix),
            new XElement(Ns + "MaxKeys", maxKeys),
            delimiter.Length > 0 ? new XElement(Ns + "Delimiter", delimiter) : null,
            new XElement(Ns + "IsTruncated", truncated ? "true" : "false"));
        if (v2)
        {
            result.Add(new XElement(Ns + "KeyCount", contents.Count + prefixes.Count));
            if (query.TryGetValue("continuation-token", out var given))
            {
                result.Add(new XElement(Ns + "ContinuationToken", given.ToString()));
            }

            if (truncated && last is not null)
            {
                result.Add(new XElement(Ns + "NextContinuationToken", Encode(last)));
            }
        }
        else
        {
            result.Add(new XElement(Ns + "Marker", after ?? ""));
            if (truncated && last is not null)
            {
                result.Add(new XElement(Ns + "NextMarker", last));
            }
        }

        result.Add(contents);
        result.Add(prefixes.Select(p => new XElement(Ns + "CommonPrefixes", new XElement(Ns + "Prefix", p))));
        await WriteXmlAsync(context, 200, result);
    }

    /// <summary>
    /// One page of a listing: up to <paramref name="maxKeys"/> objects and common prefixes (keys folded at the
    /// delimiter) after <paramref name="after"/>, the last key consumed and whether more follow.
    /// </summary>
    private (List<XElement> Contents, List<string> Prefixes, string? Last, bool Truncated) ReadPage(string bucket, string prefix, string delimiter, int maxKeys, string? after)
    {
        var contents = new List<XElement>();
        var prefixes = new List<string>();
        string? last = null;
        var truncated = false;
        foreach (var file in _files.Enumerate(bucket, prefix, after))
        {
            string? common = null;
            if (delimiter.Length > 0)
            {
                var at = file.Key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                if (at >= 0)
                {
                    common = file.Key[..(at + delimiter.Length)];
                }
            }

            if (common is not null && prefixes.Count > 0 && prefixes[^1] == common)
            {
                last = file.Key;
                continue;
            }

            if (contents.Count + prefixes.Count >= maxKeys)
            {
                truncated = true;
                break;
            }

            if (common is not null)
            {
                prefixes.Add(common);
            }
            else
            {
                contents.Add(new XElement(Ns + "Contents",
                    new XElement(Ns + "Key", file.Key),
                    new XElement(Ns + "LastModified", Time(file.LastModified)),
                    new XElement(Ns + "ETag", $"\"{_files.Md5Of(file)}\""),
                    new XElement(Ns + "Size", file.Size),
                    new XElement(Ns + "StorageClass", "STANDARD")));
            }

            // The next page starts after the last key consumed, including keys folded into a common prefix.
            last = file.Key;
        }

        return (contents, prefixes, last, truncated);
    }

    private async Task ListBucketsAsync(HttpContext context, bool authenticated)
    {
        var buckets = _files.Buckets().Where(b => authenticated || b.Name == FileStore.PublicBucket);
        var result = new XElement(Ns + "ListAllMyBucketsResult",
            new XElement(Ns + "Owner", new XElement(Ns + "ID", "kindling"), new XElement(Ns + "DisplayName", "kindling")),
            new XElement(Ns + "Buckets", buckets.Select(b => new XElement(Ns + "Bucket", new XElement(Ns + "Name", b.Name), new XElement(Ns + "CreationDate", Time(b.Created))))));
        await WriteXmlAsync(context, 200, result);
    }

    private static string Encode(string key) => Convert.ToBase64String(Encoding.UTF8.GetBytes(key));

    private static string? Decode(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
