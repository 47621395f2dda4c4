using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Kindling.Artifacts.Access;
using Kindling.Artifacts.Charts;
using Kindling.Artifacts.Http.Content;
using Kindling.Artifacts.Http.Files;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;
using Kindling.Fuzz;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kindling.Artifacts.Fuzz;

internal static class Targets
{
    private const string Hex64 = "0000000000000000000000000000000000000000000000000000000000000000";
    private const string SampleDigest = "sha256:" + Hex64;

    // --- manifest ----------------------------------------------------------------------------------------------

    private static readonly string?[] ContentTypes =
    [
        null, "", ManifestDocument.OciManifest, ManifestDocument.OciIndex, ManifestDocument.DockerManifest, ManifestDocument.DockerManifestList,
        "application/json", "application/octet-stream", "application/vnd.oci.image.manifest.v1+json; charset=utf-8", ";", "text/plain",
    ];

    private static readonly string[] ManifestTokens =
    [
        "\"schemaVersion\":2,", "\"schemaVersion\":2.0,", "\"mediaType\":", "\"digest\":\"" + SampleDigest + "\",", "\"size\":", "-1", "1e400", "2.5",
        "9223372036854775808", "null", "[]", "{}", "true", "\"urls\":[\"https://x\"],", "\"subject\":", "\"annotations\":{\"a\":\"b\",\"c\":1},",
        "\"config\":", "\"layers\":", "\"manifests\":", "\"artifactType\":", ",", "\"", "\\u0000", "\\ud800", "{\"mediaType\":\"a\",\"digest\":\"" + SampleDigest + "\",\"size\":1}",
    ];

    private static void Manifest(byte[] input)
    {
        var contentType = input.Length == 0 ? null : ContentTypes[input[0] % ContentTypes.Length];
        var document = ManifestDocument.Parse(input.AsSpan(Math.Min(1, input.Length)), contentType);
        Invariant(ManifestDocument.SupportedMediaTypes.Contains(document.MediaType), $"accepted media type {document.MediaType}");
        foreach (var d in document.Blobs.Concat(document.Manifests))
        {
            Invariant(d.Size >= 0 && d.Digest.Value.Length == SampleDigest.Length, $"descriptor {d}");
        }

        Invariant(document.IsIndex ? document.Blobs.Count == 0 : document.Manifests.Count == 0 && document.Blobs.Count >= 1, "blobs/manifests by type");
    }

    private static List<byte[]> ManifestSeeds()
    {
        var layer = $"{{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"{SampleDigest}\",\"size\":32654,\"annotations\":{{\"org.opencontainers.image.title\":\"a\"}}}}";
        var config = $"{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"{SampleDigest}\",\"size\":7023}}";
        string[] json =
        [
            $"{{\"schemaVersion\":2,\"mediaType\":\"{ManifestDocument.OciManifest}\",\"config\":{config},\"layers\":[{layer},{layer}],\"annotations\":{{\"k\":\"v\"}}}}",
            $"{{\"schemaVersion\":2,\"mediaType\":\"{ManifestDocument.OciIndex}\",\"manifests\":[{{\"mediaType\":\"{ManifestDocument.OciManifest}\",\"digest\":\"{SampleDigest}\",\"size\":7143,\"platform\":{{\"architecture\":\"amd64\",\"os\":\"linux\"}}}}]}}",
            $"{{\"schemaVersion\":2,\"mediaType\":\"{ManifestDocument.DockerManifest}\",\"config\":{config},\"layers\":[{{\"mediaType\":\"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\",\"digest\":\"{SampleDigest}\",\"size\":1,\"urls\":[\"https://example.com/l\"]}}]}}",
            $"{{\"schemaVersion\":2,\"artifactType\":\"application/vnd.example+type\",\"config\":{config},\"layers\":[],\"subject\":{config}}}",
            $"{{\"schemaVersion\":2,\"manifests\":[]}}",
        ];
        return [.. json.Select((j, i) => (byte[])[(byte)(i % 2 == 0 ? 0 : 3), .. Encoding.UTF8.GetBytes(j)])];
    }

    // --- sigv4 -------------------------------------------------------------------------------------------------

    private static readonly DateTimeOffset SignedAt = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static readonly string[] SigV4Tokens =
    [
        "Credential=", "SignedHeaders=", "Signature=", ",", ", ", "=", "/", ";", "AWS4-HMAC-SHA256 ", "admin/20260102/us-east-1/s3/aws4_request",
        "host;x-amz-content-sha256;x-amz-date", "\nx-amz-date: 20260102T030405Z", "\nx-amz-content-sha256: UNSIGNED-PAYLOAD", "%", "%zz", "%C3%A9", "+", "&", "?",
        "\nauthorization: ", "Credential=admin/20260102/us-east-1/s3/aws4_request,", " ", "\t",
    ];

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static readonly FixedTime Clock = new(SignedAt);

    private static void SigV4(byte[] input)
    {
        var lines = Encoding.UTF8.GetString(input).Split('\n');
        var first = lines[0].Split(' ', 3);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                var name = line[..colon].Trim();
                headers[name] = headers.TryGetValue(name, out var earlier) ? earlier + "," + line[(colon + 1)..].Trim() : line[(colon + 1)..].Trim();
            }
        }

        var request = new SignedRequest(first[0], first.Length > 1 ? first[1] : "/", first.Length > 2 ? first[2] : "", n => headers.GetValueOrDefault(n));
        var error = SignatureV4.Verify(request, key => key == "admin" ? "secret" : null, Clock, out var user, out var payloadHash);
        Invariant(error is null == (user == "admin"), $"error '{error}' with user '{user}'");
        Invariant(error is not null || payloadHash is not null, "accepted without a payload hash");
    }

    /// <summary>A request signed the way aws-cli signs it (header form), so mutants start past every check.</summary>
    internal static string SignedSample()
    {
        const string amzDate = "20260102T030405Z";
        const string scope = "20260102/us-east-1/s3/aws4_request";
        const string signed = "host;x-amz-content-sha256;x-amz-date";
        var canonical = $"PUT\n/bucket/a%20key\nuploadId=7&partNumber=1\nhost:127.0.0.1:9000\nx-amz-content-sha256:UNSIGNED-PAYLOAD\nx-amz-date:{amzDate}\n\n{signed}\nUNSIGNED-PAYLOAD";
        canonical = canonical.Replace("uploadId=7&partNumber=1", "partNumber=1&uploadId=7", StringComparison.Ordinal);
        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Encoding.UTF8.GetBytes("AWS4secret");
        foreach (var part in new[] { "20260102", "us-east-1", "s3", "aws4_request" })
        {
            key = System.Security.Cryptography.HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        var signature = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        return $"PUT /bucket/a%20key ?uploadId=7&partNumber=1\nhost: 127.0.0.1:9000\nx-amz-content-sha256: UNSIGNED-PAYLOAD\nx-amz-date: {amzDate}\n"
            + $"authorization: AWS4-HMAC-SHA256 Credential=admin/{scope}, SignedHeaders={signed}, Signature={signature}";
    }

    // --- range -------------------------------------------------------------------------------------------------

    private static void Range(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        var size = newline > 0 && long.TryParse(text[..newline], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : input.Length;
        var header = newline >= 0 ? text[(newline + 1)..] : text;
        var range = ByteRange.Parse(header, size, out var unsatisfiable);
        if (range is { } r)
        {
            Invariant(!unsatisfiable && r.Start >= 0 && r.Length >= 1 && r.End <= size - 1 && r.End >= r.Start, $"range {r} of {size} bytes");
        }
    }

    // --- aws-chunked -------------------------------------------------------------------------------------------

    private static List<byte[]> AwsChunkedSeeds()
    {
        string[] bodies =
        [
            "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n",
            "3;chunk-signature=abc\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
            "0\r\n\r\n",
            "a\r\n0123456789\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\nx-amz-trailer-signature:00\r\n\r\n",
        ];
        return [.. bodies.SelectMany(b => new[] { (byte[])[0x00, .. Encoding.ASCII.GetBytes(b)], [0x1F, .. Encoding.ASCII.GetBytes(b)], [0x82, .. Encoding.ASCII.GetBytes(b)] })];
    }

    private static void AwsChunked(byte[] input)
    {
        var mode = input.Length == 0 ? 0 : input[0];
        var body = input.AsSpan(Math.Min(1, input.Length)).ToArray();
        // Bit 7: declare the decoded length (the real one when bit 6 is clear, one more otherwise); low bits: read sizes.
        long? declared = (mode & 0x80) == 0 ? null : Decoded(body) + ((mode & 0x40) == 0 ? 0 : 1);
        using var stream = new AwsChunkedStream(new TrickleStream(body, 1 + (mode & 0x0F)), declared);
        var buffer = new byte[1 + ((mode >> 4) & 0x03) * 7];
        long total = 0;
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            total += read;
            Invariant(total <= body.Length, $"decoded {total} bytes out of a {body.Length}-byte body");
        }

        Invariant(declared is null || declared == total, $"decoded {total} bytes but x-amz-decoded-content-length said {declared}");
    }

    /// <summary>The decoded length if <paramref name="body"/> is well formed (a guess otherwise: then the stream throws anyway).</summary>
    private static long Decoded(byte[] body)
    {
        try
        {
            using var stream = new AwsChunkedStream(new MemoryStream(body), null);
            return stream.CopyToCount();
        }
        catch (InvalidDataException)
        {
            return 0;
        }
    }

    private static long CopyToCount(this Stream stream)
    {
        var buffer = new byte[4096];
        long total = 0;
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            total += read;
        }

        return total;
    }

    /// <summary>A request body that arrives a few bytes at a time, as it does from a socket.</summary>
    private sealed class TrickleStream(byte[] data, int step) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(Math.Min(step, buffer.Length), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    // --- route -------------------------------------------------------------------------------------------------

    private static readonly string[] RouteSeeds =
    [
        "/v2/", "/v2", "/v2/_catalog", "/v2/library/nginx/manifests/1.25", "/v2/a/b/c/manifests/" + SampleDigest, "/v2/a/blobs/" + SampleDigest,
        "/v2/a/blobs/uploads/", "/v2/a/blobs/uploads/0f3c6c1c-4c8e-4b45-a9d0-6b2f0b6b1a2b", "/v2/a/tags/list", "/v2/a/referrers/" + SampleDigest,
        "/v2/manifests/manifests/manifests/x", "/v2/a__b/c--d/e.f/blobs/uploads",
    ];

    private static void Route(byte[] input)
    {
        var route = RegistryRoute.Parse(Encoding.UTF8.GetString(input));
        if (route.Kind is RegistryRouteKind.NotFound or RegistryRouteKind.Base or RegistryRouteKind.Catalog)
        {
            Invariant(string.IsNullOrEmpty(route.Name) && string.IsNullOrEmpty(route.Reference), $"{route.Kind} with a name");
            return;
        }

        if (RepositoryNames.IsValidName(route.Name))
        {
            // A valid name is a safe relative folder path and a safe catalog line.
            Invariant(route.Name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '-' or '/'), $"valid name {Escape(route.Name)} has other characters");
            Invariant(!route.Name.StartsWith('/') && !route.Name.EndsWith('/') && !route.Name.Contains("//", StringComparison.Ordinal)
                && route.Name.Split('/').All(p => p is not ("." or "..")), $"valid name {Escape(route.Name)} is not a relative path");
        }
        else
        {
            RepositoryNames.CheckName(route.Name);
            throw new InvariantException($"CheckName accepted {Escape(route.Name)}, which IsValidName refuses");
        }

        if (RepositoryNames.IsValidTag(route.Reference))
        {
            Invariant(route.Reference.Length <= 128 && route.Reference.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'), $"valid tag {Escape(route.Reference)} has other characters");
        }

        if (Digest.TryParse(route.Reference, out var digest, out _))
        {
            Invariant(digest.Value.Hex.All(char.IsAsciiHexDigitLower) && digest.Value.Hex.Length == 64, $"valid digest {Escape(route.Reference)}");
        }
    }

    private static string Escape(string text) => "'" + string.Concat(text.Select(c => c < ' ' || c > '~' ? $"\\u{(int)c:x4}" : c.ToString())) + "'";

    // --- CompleteMultipartUpload -------------------------------------------------------------------------------

    private static readonly string[] CompleteSeeds =
    [
        "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Part><PartNumber>1</PartNumber><ETag>\"a54357aff0632cce46d942af68356b38\"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>\"0c78aef83f66abc1fa1e8477f296d394\"</ETag></Part></CompleteMultipartUpload>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUpload><Part><ETag>x</ETag><PartNumber>10000</PartNumber><ChecksumCRC32>AAAA</ChecksumCRC32></Part></CompleteMultipartUpload>",
        "<CompleteMultipartUpload/>",
    ];

    private static void CompleteXml(byte[] input)
    {
        var parts = CompleteMultipartRequest.Parse(new MemoryStream(input));
        Invariant(parts is null || parts.All(p => p.Number >= 0 && p.ETag is not null), "negative part number");
    }

    // --- Chart.yaml and chart archives -------------------------------------------------------------------------

    private static readonly string[] ChartYamlSeeds =
    [
        "apiVersion: v2\nname: nginx\nversion: 15.4.2\nappVersion: \"1.25.3\"\ndescription: NGINX Open Source\nkeywords: [nginx, http]\nmaintainers:\n  - name: Bitnami\n    url: https://example.com\ndependencies:\n  - name: common\n    version: 2.x.x\n    repository: oci://example.com/charts\nannotations:\n  category: Infrastructure\ndeprecated: false\nkubeVersion: \">=1.19.0-0\"\n",
        "name: a\nversion: v1.0.0-rc.1+build.5\nicon: ~\nnumbers: [1, 2.5, 0x1F, 1e3, .inf, -0]\nflags: {a: true, b: False, c: null}\n",
        "apiVersion: v1\nname: b\nversion: 0.1.0\nbase: &b {x: 1}\nderived:\n  <<: *b\n  y: [*b, *b]\n",
    ];

    private static readonly string[] ChartYamlTokens =
    [
        "&a ", "*a", "[", "]", "{", "}", ": ", "\n  ", "\n- ", "- ", "!!binary ", "!!int ", "!!str ", "!!map ", "? ", "|\n  ", ">-\n  ", "\"", "'", "<<: *a\n",
        "---\n", "...\n", "%YAML 1.2\n---\n", "%TAG ! tag:x,2000:\n", "name: ", "version: ", "appVersion: ", "1.0.0", "~", ".nan", "0x10", "1e400", "\t", "#", "\\u0000", "\ufeff",
    ];

    private static void ChartYaml(byte[] input)
    {
        // A cyclic alias makes ChartArchive's tree walk recurse until the stack overflows, which kills this process
        // (issue 13, sec-charts): report it as a finding and go on instead.
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(Encoding.UTF8.GetString(input)));
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException or ArgumentException)
        {
        }

        Invariant(!stream.Documents.Any(d => HasCycle(d.RootNode)), "Chart.yaml whose alias sits inside its own anchor: the tree walk would recurse until the stack overflows");
        ChartArchiveAndIndex(Tgz(input));
    }

    private static bool HasCycle(YamlNode root)
    {
        var done = new HashSet<YamlNode>(ReferenceEqualityComparer.Instance);
        var open = new HashSet<YamlNode>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(YamlNode Node, bool Leaving)>();
        stack.Push((root, false));
        while (stack.Count > 0)
        {
            var (node, leaving) = stack.Pop();
            if (leaving)
            {
                open.Remove(node);
                done.Add(node);
                continue;
            }

            if (open.Contains(node))
            {
                return true;
            }

            if (done.Contains(node))
            {
                continue;
            }

            open.Add(node);
            stack.Push((node, true));
            IEnumerable<YamlNode> children = node switch
            {
                YamlMappingNode map => map.Children.SelectMany(p => new[] { p.Key, p.Value }),
                YamlSequenceNode list => list.Children,
                _ => [],
            };
            foreach (var child in children)
            {
                if (open.Contains(child))
                {
                    return true;
                }

                stack.Push((child, false));
            }
        }

        return false;
    }

    private static void ChartBytes(byte[] input) => ChartArchiveAndIndex(input);

    private static void ChartArchiveAndIndex(byte[] archive)
    {
        var chart = ChartArchive.Read(archive);
        Invariant(ChartArchive.IsValidName(chart.Name) && ChartArchive.IsValidVersion(chart.Version), $"accepted {Escape(chart.Name)} {Escape(chart.Version)}");
        Invariant(chart.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-') && chart.Version.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '+' or '-'),
            $"accepted name/version {Escape(chart.Name)} {Escape(chart.Version)} with other characters");
        // What GET /api/charts and index.yaml then do with the fields.
        _ = IndexYaml.Write(new Dictionary<string, object?>
        {
            ["apiVersion"] = "v1",
            ["entries"] = new Dictionary<string, List<Dictionary<string, object?>>> { [chart.Name] = [new(chart.Fields)] },
        });
    }

    /// <summary>A chart archive as <c>helm package</c> makes it: NAME/Chart.yaml in a gzip tar.</summary>
    internal static byte[] Tgz(byte[] chartYaml)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar))
        {
            var entry = new UstarTarEntry(TarEntryType.RegularFile, "chart/Chart.yaml") { DataStream = new MemoryStream(chartYaml) };
            tar.WriteEntry(entry);
        }

        return buffer.ToArray();
    }

    // Last: static fields initialize in text order, and the targets use the arrays above.
    public static IReadOnlyList<Target> All { get; } =
    [
        new("manifest", "ManifestDocument.Parse: a pushed manifest or index (first byte picks the Content-Type)", Manifest,
            e => e is RegistryException, ManifestSeeds(), ManifestTokens),
        new("sigv4", "SignatureV4.Verify: 'METHOD PATH QUERY' then header lines (authorization, x-amz-date, ...)", SigV4,
            _ => false, [Encoding.UTF8.GetBytes(SignedSample())], SigV4Tokens),
        new("range", "ByteRange.Parse: 'SIZE' then the Range header", Range, _ => false,
            [.. new[] { "100\nbytes=0-9", "100\nbytes=-5", "100\nbytes=90-", "0\nbytes=0-0", "9223372036854775807\nbytes=9223372036854775806-" }.Select(Encoding.UTF8.GetBytes)],
            ["bytes=", "-", ",", " ", "+", "0", "9223372036854775807", "9223372036854775808", "-1", "\t", "BYTES="]),
        new("awschunked", "AwsChunkedStream: an aws-chunked request body (first byte: read sizes and x-amz-decoded-content-length)", AwsChunked,
            e => e is InvalidDataException, AwsChunkedSeeds(), ["\r\n", "\n", ";chunk-signature=", "0\r\n", "ffffffffffffffff", "7fffffffffffffff", "x-amz-checksum-crc32:AAAA\r\n", "10\r\n", "-1"]),
        new("route", "RegistryRoute.Parse + RepositoryNames + Digest.TryParse: a decoded /v2/ request path", Route,
            e => e is RegistryException, [.. RouteSeeds.Select(Encoding.UTF8.GetBytes)],
            ["/v2/", "/manifests/", "/blobs/", "/blobs/uploads/", "/blobs/uploads", "/tags/list", "/referrers/", "_catalog", "..", "/", "\n", "%2F", "sha256:", Hex64, "__", "--", ".", ":"]),
        new("completexml", "CompleteMultipartRequest.Parse: the CompleteMultipartUpload XML body", CompleteXml, _ => false,
            [.. CompleteSeeds.Select(Encoding.UTF8.GetBytes)],
            ["<Part>", "</Part>", "<PartNumber>", "</PartNumber>", "<ETag>", "</ETag>", "<!DOCTYPE a [<!ENTITY x \"y\">]>", "&x;", "&#0;", "&#x10FFFF;", "<![CDATA[", "]]>", "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"", "2147483648", "-1", "<?xml version=\"1.0\" encoding=\"utf-16\"?>"]),
        new("chartyaml", "ChartArchive.Read of a well-formed .tgz holding this Chart.yaml, then index.yaml of its fields", ChartYaml,
            e => e is ChartException, [.. ChartYamlSeeds.Select(Encoding.UTF8.GetBytes)], ChartYamlTokens, MaxAllocatedBytes: 64L * 1024 * 1024),
        new("chart", "ChartArchive.Read: a chart archive as uploaded (gzip, tar, Chart.yaml)", ChartBytes,
            e => e is ChartException, [.. ChartYamlSeeds.Select(y => Tgz(Encoding.UTF8.GetBytes(y)))], [], MaxAllocatedBytes: 128L * 1024 * 1024),
    ];

    private static void Invariant(bool holds, string what)
    {
        if (!holds)
        {
            throw new InvariantException(what);
        }
    }
}
