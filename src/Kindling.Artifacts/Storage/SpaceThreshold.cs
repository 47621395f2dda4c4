using System.Globalization;

namespace Kindling.Artifacts.Storage;

/// <summary>
/// A free-space threshold given as a share of the file system (<c>5%</c>) or as bytes (<c>256MiB</c>, <c>2GiB</c>,
/// <c>0</c>): what <c>kindling node serve --low-space</c> and <c>--min-free</c> take.
/// </summary>
public readonly record struct SpaceThreshold(double Percent, long Bytes)
{
    public static SpaceThreshold OfPercent(double percent) => new(percent, -1);

    public static SpaceThreshold OfBytes(long bytes) => new(-1, bytes);

    /// <summary>The threshold in bytes for a file system of <paramref name="size"/> bytes.</summary>
    public long Resolve(long size) => Percent >= 0 ? (long)(Math.Max(size, 0) * Percent / 100) : Bytes;

    /// <summary>Parses <c>5%</c>, <c>0.5%</c>, <c>256MiB</c>, <c>1GiB</c>, <c>512KiB</c>, <c>1048576</c>; false with a reason otherwise.</summary>
    public static bool TryParse(string text, out SpaceThreshold threshold, out string error)
    {
        threshold = default;
        error = "";
        var t = text.Trim();
        if (t.EndsWith('%'))
        {
            if (double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var percent) && percent is >= 0 and <= 100)
            {
                threshold = OfPercent(percent);
                return true;
            }

            error = $"'{text}' is not a percentage from 0% to 100%";
            return false;
        }

        var units = new (string Suffix, long Factor)[] { ("TiB", 1L << 40), ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10), ("B", 1) };
        var factor = 1L;
        foreach (var (suffix, f) in units)
        {
            if (t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                t = t[..^suffix.Length].TrimEnd();
                factor = f;
                break;
            }
        }

        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number >= 0 && number * factor < long.MaxValue)
        {
            threshold = OfBytes((long)(number * factor));
            return true;
        }

        error = $"'{text}' is not a size (e.g. 256MiB, 2GiB, 0) or a percentage (e.g. 1%)";
        return false;
    }

    public override string ToString() => Percent >= 0 ? $"{Percent.ToString(CultureInfo.InvariantCulture)}%" : $"{Bytes} bytes";
}
