namespace Kindling.Artifacts.Http.Content;

/// <summary>
/// A single byte range from a <c>Range</c> header (RFC 9110 section 14.1.2): <c>bytes=a-b</c>, <c>bytes=a-</c> or
/// <c>bytes=-n</c>. Several ranges are answered with the whole content (RFC 9110 allows ignoring Range).
/// </summary>
internal readonly record struct ByteRange(long Start, long Length)
{
    public long End => Start + Length - 1;

    /// <summary>
    /// Parses <paramref name="header"/> against a content of <paramref name="size"/> bytes: null means serve it
    /// whole; <paramref name="unsatisfiable"/> means answer 416.
    /// </summary>
    public static ByteRange? Parse(string? header, long size, out bool unsatisfiable)
    {
        unsatisfiable = false;
        if (string.IsNullOrEmpty(header) || !header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var spec = header.AsSpan(6).Trim();
        if (spec.Contains(','))
        {
            return null;
        }

        var dash = spec.IndexOf('-');
        if (dash < 0)
        {
            return null;
        }

        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        return first.IsEmpty ? Suffix(last, size, out unsatisfiable) : FromStart(first, last, size, out unsatisfiable);
    }

    /// <summary><c>bytes=-n</c>: the last n bytes (all of them when n is larger); none is unsatisfiable.</summary>
    private static ByteRange? Suffix(ReadOnlySpan<char> last, long size, out bool unsatisfiable)
    {
        unsatisfiable = false;
        if (!long.TryParse(last, out var suffix) || suffix < 0)
        {
            return null;
        }

        if (suffix == 0 || size == 0)
        {
            unsatisfiable = true;
            return null;
        }

        var length = Math.Min(suffix, size);
        return new ByteRange(size - length, length);
    }

    /// <summary><c>bytes=a-b</c> or <c>bytes=a-</c>: from a to b (or the end); a start past the end is unsatisfiable.</summary>
    private static ByteRange? FromStart(ReadOnlySpan<char> first, ReadOnlySpan<char> last, long size, out bool unsatisfiable)
    {
        unsatisfiable = false;
        if (!long.TryParse(first, out var start) || start < 0)
        {
            return null;
        }

        if (start >= size)
        {
            unsatisfiable = true;
            return null;
        }

        var end = size - 1;
        if (!last.IsEmpty)
        {
            if (!long.TryParse(last, out end) || end < start)
            {
                return null;
            }

            end = Math.Min(end, size - 1);
        }

        return new ByteRange(start, end - start + 1);
    }
}
