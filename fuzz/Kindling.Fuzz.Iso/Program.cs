using Kindling.Artifacts.Iso;

// Fuzz target for the ISO 9660 reader. Each argument is an input file (a corpus entry or a crash to replay);
// with none, one input is read from stdin (the shape AFL-style drivers such as SharpFuzz use). Any exception
// other than IsoFormatException escapes and crashes the process: that is a finding, to be kept as a regression
// test in tests/Kindling.Artifacts.Tests/Iso. Seed corpus: images made by xorriso/genisoimage (see IsoImageTests).
var inputs = args.Length > 0 ? args.Select(File.ReadAllBytes) : [ReadStdin()];
foreach (var input in inputs)
{
    try
    {
        var image = IsoImage.Read(new MemoryStream(input, writable: false));
        foreach (var (path, entry) in image.Files())
        {
            _ = image.Find(path);
            _ = entry.Offset + entry.Size;
        }

        try
        {
            _ = IsoMount.Describe(image);
        }
        catch (IsoFormatException)
        {
        }
    }
    catch (IsoFormatException)
    {
    }
}

static byte[] ReadStdin()
{
    using var buffer = new MemoryStream();
    Console.OpenStandardInput().CopyTo(buffer);
    return buffer.ToArray();
}
