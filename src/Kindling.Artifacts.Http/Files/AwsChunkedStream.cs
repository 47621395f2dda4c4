using System.Globalization;
using System.Text;
using Kindling.Artifacts.Storage;

namespace Kindling.Artifacts.Http.Files;

/// <summary>
/// Decodes an <c>aws-chunked</c> request body sent with <c>x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER</c>
/// (what current AWS SDKs and aws-cli send by default for PutObject and UploadPart): <c>HEX-SIZE\r\nDATA\r\n</c> ...
/// <c>0\r\n</c>, then trailer lines (<c>x-amz-checksum-crc32:...</c>) and an empty line. Chunk extensions are
/// skipped; the decoded length must equal <c>x-amz-decoded-content-length</c> when given. A malformed body throws
/// <see cref="InvalidDataException"/> naming what was wrong, so nothing is stored.
/// </summary>
internal sealed class AwsChunkedStream(Stream inner, long? decodedLength) : ReadOnlyStream
{
    private const int MaxLine = 4096;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private long _chunkLeft;
    private long _decoded;
    private bool _done;

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (_done || destination.Length == 0)
        {
            return 0;
        }

        if (_chunkLeft == 0)
        {
            var header = await ReadLineAsync(cancellationToken);
            var semicolon = header.IndexOf(';', StringComparison.Ordinal);
            var hex = semicolon < 0 ? header : header[..semicolon];
            if (!long.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0)
            {
                throw new InvalidDataException($"aws-chunked body: chunk header '{Shorten(header)}' does not start with a hexadecimal size");
            }

            if (size == 0)
            {
                // Trailers (checksums) up to the empty line.
                while ((await ReadLineAsync(cancellationToken)).Length > 0)
                {
                }

                if (decodedLength is { } expected && expected != _decoded)
                {
                    throw new InvalidDataException($"aws-chunked body decodes to {_decoded} bytes, not the {expected} of x-amz-decoded-content-length");
                }

                _done = true;
                return 0;
            }

            _chunkLeft = size;
        }

        if (_start == _end && !await FillAsync(cancellationToken))
        {
            throw new InvalidDataException($"aws-chunked body ends inside a chunk ({_chunkLeft} bytes missing)");
        }

        var count = (int)Math.Min(Math.Min(_chunkLeft, _end - _start), destination.Length);
        _buffer.AsMemory(_start, count).CopyTo(destination);
        _start += count;
        _chunkLeft -= count;
        _decoded += count;
        if (_chunkLeft == 0 && (await ReadLineAsync(cancellationToken)).Length != 0)
        {
            throw new InvalidDataException("aws-chunked body: a chunk's data is not followed by CRLF");
        }

        return count;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        var read = await inner.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        _end += read;
        return read > 0;
    }

    private async ValueTask<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var length = newline - _start;
                var line = Encoding.ASCII.GetString(_buffer, _start, length > 0 && _buffer[newline - 1] == '\r' ? length - 1 : length);
                _start = newline + 1;
                return line;
            }

            if (_end - _start >= MaxLine)
            {
                throw new InvalidDataException($"aws-chunked body: a chunk header or trailer line is longer than {MaxLine} bytes");
            }

            if (!await FillAsync(cancellationToken))
            {
                throw new InvalidDataException("aws-chunked body ends before its final zero-size chunk");
            }
        }
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
