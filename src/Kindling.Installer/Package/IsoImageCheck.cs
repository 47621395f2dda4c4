using System.Buffers.Binary;

namespace Kindling.Installer.Package;

/// <summary>
/// Checks that a file is an ISO 9660 image (ECMA-119 section 8): a volume descriptor with standard identifier "CD001"
/// at sector 16, a primary volume descriptor among the descriptors, and a file at least as long as the volume it
/// declares. Reading the file system is the node service's ISO reader's job; this only refuses what is not an ISO.
/// </summary>
internal static class IsoImageCheck
{
    private const int Sector = 2048;

    /// <summary>null when the file looks like a whole ISO 9660 image, else what is wrong (without the file name).</summary>
    public static string? Check(string path)
    {
        if (!File.Exists(path))
        {
            return "no such file (osRepos.isoPath must name the OS ISO image)";
        }

        using var file = File.OpenRead(path);
        var length = file.Length;
        if (length < 17 * Sector)
        {
            return $"not an ISO 9660 image: {length} bytes, too short to hold the volume descriptors at sector 16";
        }

        var buffer = new byte[Sector];
        for (var sector = 16; sector < 16 + 32; sector++)
        {
            if ((sector + 1L) * Sector > length)
            {
                return "not an ISO 9660 image: the volume descriptor set has no terminator";
            }

            file.Position = (long)sector * Sector;
            file.ReadExactly(buffer);
            if (buffer[1] != 'C' || buffer[2] != 'D' || buffer[3] != '0' || buffer[4] != '0' || buffer[5] != '1')
            {
                return sector == 16
                    ? "not an ISO 9660 image: no \"CD001\" volume descriptor at sector 16"
                    : $"not an ISO 9660 image: sector {sector} breaks the volume descriptor set";
            }

            var type = buffer[0];
            if (type == 255)
            {
                return "not an ISO 9660 image: no primary volume descriptor";
            }

            if (type != 1)
            {
                continue;
            }

            var blocks = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(80));
            var blockSize = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(128));
            if (blockSize is not (512 or 1024 or 2048))
            {
                return $"damaged ISO 9660 image: logical block size {blockSize}";
            }

            var declared = (long)blocks * blockSize;
            return declared > length
                ? $"truncated ISO 9660 image: the volume is {declared} bytes, the file has {length}"
                : null;
        }

        return "not an ISO 9660 image: no primary volume descriptor in the first 32 descriptors";
    }
}
