using System.Globalization;
using System.Text;
using Kindling.Artifacts.Files;

namespace Kindling.Artifacts.Content;

/// <summary>
/// Feeds the file store into the <see cref="ContentDigest"/>: part = bucket, entry = key to the object's MD5 (its
/// S3 ETag, which sync compares from listings). Writes through the store update the digest as they happen. At
/// open the tree is walked with stat only: an object keeps the MD5 recorded in <c>store/content/files.md5</c>
/// while its size and modification time are unchanged, so only new or changed files are read.
/// </summary>
public static class FileContent
{
    public static readonly string Service = ContentKind.Files.Service();

    public static void Track(FileStore files, ContentDigest content, string tempDirectory)
    {
        files.ObjectChanged += (bucket, key, md5) => content.Set(Service, bucket, key, md5);
        var cachePath = Path.Combine(Path.GetDirectoryName(files.Directory)!, "content", "files.md5");
        var known = ReadCache(cachePath);
        var current = new StringBuilder();
        var changed = false;
        foreach (var (bucket, _) in files.Buckets())
        {
            foreach (var file in files.Enumerate(bucket, "", null))
            {
                var id = $"{bucket}/{file.Key}";
                var ticks = file.LastModified.UtcTicks;
                string md5;
                if (known.TryGetValue(id, out var cached) && cached.Size == file.Size && cached.Ticks == ticks)
                {
                    md5 = cached.Md5;
                }
                else
                {
                    md5 = files.Md5Of(file);
                    changed = true;
                }

                content.Set(Service, bucket, file.Key, md5);
                current.Append(CultureInfo.InvariantCulture, $"{file.Size} {ticks} {md5} {id}\n");
            }
        }

        if (changed || known.Count != CountLines(current))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(cachePath)!);
            DurableFile.WriteAllText(cachePath, current.ToString(), tempDirectory: tempDirectory);
        }
    }

    private static int CountLines(StringBuilder text)
    {
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Lines <c>SIZE TICKS MD5 BUCKET/KEY</c>; a damaged cache only costs rehashing.</summary>
    private static Dictionary<string, (long Size, long Ticks, string Md5)> ReadCache(string path)
    {
        var cache = new Dictionary<string, (long, long, string)>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return cache;
        }

        foreach (var line in File.ReadLines(path))
        {
            var fields = line.Split(' ', 4);
            if (fields.Length == 4 && long.TryParse(fields[0], CultureInfo.InvariantCulture, out var size)
                && long.TryParse(fields[1], CultureInfo.InvariantCulture, out var ticks) && fields[2].Length == 32)
            {
                cache[fields[3]] = (size, ticks, fields[2]);
            }
        }

        return cache;
    }
}
