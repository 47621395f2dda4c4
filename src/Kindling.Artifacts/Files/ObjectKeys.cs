namespace Kindling.Artifacts.Files;

/// <summary>
/// Bucket names (S3 rules: 3-63 of [a-z0-9.-], starting and ending alphanumeric) and object keys checked so no
/// key, whatever its encoding, can leave its bucket's folder: the key is decoded once by the caller, then refused
/// when it is absolute, has a backslash, a NUL, an empty, '.' or '..' segment, or is longer than 1024 bytes.
/// </summary>
public static class ObjectKeys
{
    public static bool IsValidBucket(string bucket) =>
        bucket.Length is >= 3 and <= 63 && char.IsAsciiLetterLower(bucket[0]) | char.IsAsciiDigit(bucket[0])
        && char.IsAsciiLetterLower(bucket[^1]) | char.IsAsciiDigit(bucket[^1])
        && bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.')
        && !bucket.Contains("..", StringComparison.Ordinal);

    /// <summary>Null when the key is safe, else why not.</summary>
    public static string? Problem(string key)
    {
        if (key.Length == 0)
        {
            return "the key is empty";
        }

        if (System.Text.Encoding.UTF8.GetByteCount(key) > 1024)
        {
            return "the key is longer than 1024 bytes";
        }

        if (key[0] == '/')
        {
            return "the key is an absolute path";
        }

        if (key.Contains('\\', StringComparison.Ordinal))
        {
            return "the key contains a backslash";
        }

        if (key.Contains('\0', StringComparison.Ordinal))
        {
            return "the key contains a NUL character";
        }

        foreach (var segment in key.TrimEnd('/').Split('/'))
        {
            if (segment is "" or "." or "..")
            {
                return $"the key has a '{segment}' path segment";
            }
        }

        return null;
    }
}
