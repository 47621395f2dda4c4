using System.Text;
using CsCheck;
using Kindling.Artifacts.Http.Content;
using Kindling.Artifacts.Http.Files;
using Kindling.Testing;

namespace Kindling.Artifacts.Http.Tests.Fuzz;

/// <summary>
/// No-throw properties of the HTTP-side parsers of network input (issue 13; fuzz/Kindling.Artifacts.Fuzz runs them
/// longer): Range headers, aws-chunked bodies and the CompleteMultipartUpload XML.
/// </summary>
public sealed class ParserPropertiesTests
{
    // --- Range -----------------------------------------------------------------------------------------------------

    private static void CheckRange(string? header, long size)
    {
        var range = ByteRange.Parse(header, size, out var unsatisfiable);
        if (range is { } r)
        {
            Assert.False(unsatisfiable);
            Assert.InRange(r.Start, 0, size - 1);
            Assert.InRange(r.End, r.Start, size - 1);
        }
    }

    [Fact]
    public void ByteRange_RandomHeaders_WithinTheContentOrNone() =>
        Gen.String.Select(Gen.Long[0, long.MaxValue]).Sample(CheckRange);

    [Fact]
    public void ByteRange_MutatedValidHeaders_WithinTheContentOrNone()
    {
        string[] samples = ["bytes=0-9", "bytes=-5", "bytes=90-", "bytes=0-0", "bytes=9223372036854775806-"];
        string[] tokens = ["bytes=", "-", ",", " ", "+", "0", "9223372036854775807", "9223372036854775808", "-1", "\t", "BYTES=", "\u0660"];
        Gen.Int[0, samples.Length - 1].Select(Gen.Int, Gen.OneOf(Gen.Long[0, 200], Gen.Long[0, long.MaxValue])).Sample((sample, seed, size) =>
            CheckRange(InputMutator.Mutate(samples[sample], tokens, seed, '-'), size), iter: 2000);
    }

    [Fact]
    public void ByteRange_AnyNumbers_SatisfiableExactlyWhenTheStartIsInside() =>
        Gen.Long[0, long.MaxValue].Select(Gen.Long[0, long.MaxValue], Gen.Long[0, 1000]).Sample((first, last, size) =>
        {
            var range = ByteRange.Parse($"bytes={first}-{last}", size, out var unsatisfiable);
            Assert.Equal(first >= size, unsatisfiable);
            Assert.Equal(first < size && last >= first, range is not null);
        });

    // --- aws-chunked -----------------------------------------------------------------------------------------------

    private static string Chunked(IEnumerable<byte[]> chunks, bool extensions, string trailer)
    {
        var body = new StringBuilder();
        foreach (var chunk in chunks.Where(c => c.Length > 0))
        {
            body.Append(chunk.Length.ToString("x", System.Globalization.CultureInfo.InvariantCulture)).Append(extensions ? ";chunk-signature=00" : "").Append("\r\n")
                .Append(Encoding.Latin1.GetString(chunk)).Append("\r\n");
        }

        return body.Append("0\r\n").Append(trailer).Append("\r\n").ToString();
    }

    /// <summary>Decodes <paramref name="body"/> read <paramref name="step"/> bytes at a time; null when the stream refused it.</summary>
    private static byte[]? Decode(byte[] body, long? declared, int step)
    {
        try
        {
            using var stream = new AwsChunkedStream(new TrickleStream(body, step), declared);
            using var output = new MemoryStream();
            var buffer = new byte[1 + (step * 3 % 50)];
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                output.Write(buffer, 0, read);
                Assert.True(output.Length <= body.Length);
            }

            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            Assert.StartsWith("aws-chunked body", e.Message);
            return null;
        }
    }

    [Fact]
    public void AwsChunked_EncodedChunks_DecodeToTheData() =>
        Gen.Byte.Array[0, 300].Array[0, 6].Select(Gen.Bool, Gen.Int[1, 40]).Sample((chunks, extensions, step) =>
        {
            var body = Encoding.Latin1.GetBytes(Chunked(chunks, extensions, "x-amz-checksum-crc32:AAAAAA==\r\n"));
            var data = chunks.SelectMany(c => c).ToArray();
            Assert.Equal(data, Decode(body, data.Length, step));
            Assert.Null(Decode(body, data.Length + 1, step));
        });

    [Fact]
    public void AwsChunked_MutatedBodies_DataOrInvalidDataException()
    {
        var valid = Chunked([Encoding.ASCII.GetBytes("hello"), Encoding.ASCII.GetBytes("0123456789abcdef0123")], true, "x-amz-checksum-crc32:AAAAAA==\r\n");
        string[] tokens = ["\r\n", "\n", "\r", ";", "0\r\n", "ffffffffffffffff", "7fffffffffffffff", "-1", "10", " "];
        Gen.Int.Select(Gen.Int[1, 40], Gen.Bool).Sample((seed, step, declare) =>
            _ = Decode(Encoding.Latin1.GetBytes(InputMutator.Mutate(valid, tokens, seed, '\n')), declare ? 25 : null, step), iter: 2000);
    }

    [Fact]
    public void AwsChunked_RandomBytes_DataOrInvalidDataException() =>
        Gen.Byte.Array[0, 400].Select(Gen.Int[1, 40]).Sample((body, step) => _ = Decode(body, null, step));

    [Fact]
    public void AwsChunked_HugeChunkSizes_RefusedAtTheEndOfTheBody()
    {
        foreach (var size in new[] { "7fffffffffffffff", "ffffffffffffffff", "10000000000000000", "-1" })
        {
            Assert.Null(Decode(Encoding.ASCII.GetBytes($"{size}\r\nabc\r\n0\r\n\r\n"), null, 7));
        }
    }

    /// <summary>A request body that arrives a few bytes at a time, as from a socket.</summary>
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

    // --- CompleteMultipartUpload -----------------------------------------------------------------------------------

    private const string Complete =
        "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Part><PartNumber>1</PartNumber><ETag>\"a54357aff0632cce46d942af68356b38\"</ETag></Part>"
        + "<Part><PartNumber>2</PartNumber><ETag>\"0c78aef83f66abc1fa1e8477f296d394\"</ETag></Part></CompleteMultipartUpload>";

    private static List<Kindling.Artifacts.Files.PartReference>? ParseComplete(string xml) =>
        CompleteMultipartRequest.Parse(new MemoryStream(Encoding.UTF8.GetBytes(xml)));

    [Fact]
    public void CompleteRequest_TheSample_ListsItsParts() =>
        Assert.Equal([1, 2], ParseComplete(Complete)!.Select(p => p.Number));

    [Fact]
    public void CompleteRequest_MutatedXml_PartsOrNull()
    {
        string[] tokens = ["<Part>", "</Part>", "<PartNumber>", "</PartNumber>", "<ETag>", "</ETag>", "<!DOCTYPE a [<!ENTITY x \"y\">]>", "&x;", "&#0;", "&#x10FFFF;", "<![CDATA[", "]]>", "2147483648", "-1", "<?xml version=\"1.0\" encoding=\"utf-16\"?>", "<", ">", "/"];
        Gen.Int.Sample(seed =>
        {
            var parts = ParseComplete(InputMutator.Mutate(Complete, tokens, seed, '>'));
            Assert.True(parts is null || parts.All(p => p.Number >= 0));
        }, iter: 2000);
    }

    [Fact]
    public void CompleteRequest_RandomBytes_PartsOrNull() =>
        Gen.Byte.Array[0, 500].Sample(bytes => _ = CompleteMultipartRequest.Parse(new MemoryStream(bytes)));

    [Fact]
    public void CompleteRequest_EntityExpansionOrDeepNesting_RefusedWithoutThrowing()
    {
        Assert.Null(ParseComplete("<!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&b;</ETag></Part></CompleteMultipartUpload>"));
        Assert.Null(ParseComplete("<?xml version=\"1.0\"?><!DOCTYPE x SYSTEM \"file:///etc/passwd\"><CompleteMultipartUpload/>"));
    }

    /// <summary>
    /// Found by the property above: XDocument.Load takes time quadratic in the depth; 1 MiB (the handler's limit on
    /// the body) holds about 87,000 levels of &lt;Part&gt;, which took 80 s of CPU. Now refused by a streaming pass.
    /// </summary>
    [Fact]
    public void CompleteRequest_NestedDeeperThanTheLimit_RefusedBeforeTheTreeIsBuilt()
    {
        var deep = "<CompleteMultipartUpload>" + string.Concat(Enumerable.Repeat("<Part>", 87_000)) + string.Concat(Enumerable.Repeat("</Part>", 87_000)) + "</CompleteMultipartUpload>";
        Assert.Null(ParseComplete(deep));
        var nested = "<Part><PartNumber>1</PartNumber><ETag>e</ETag></Part>";
        var atLimit = "<CompleteMultipartUpload>" + nested + "<x>" + string.Concat(Enumerable.Repeat("<y>", CompleteMultipartRequest.MaxDepth - 1)) + string.Concat(Enumerable.Repeat("</y>", CompleteMultipartRequest.MaxDepth - 1)) + "</x></CompleteMultipartUpload>";
        Assert.Equal(1, Assert.Single(ParseComplete(atLimit)!).Number);
        Assert.Null(ParseComplete(atLimit.Replace("<x>", "<x><z>", StringComparison.Ordinal).Replace("</x>", "</z></x>", StringComparison.Ordinal)));
    }
}
