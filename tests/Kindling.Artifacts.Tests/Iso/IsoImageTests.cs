using System.Text;
using CsCheck;
using Kindling.Artifacts.Iso;
using Kindling.Testing;

namespace Kindling.Artifacts.Tests.Iso;

/// <summary>The ISO 9660 reader against images made by xorriso, and against corrupted copies of them.</summary>
public class IsoImageTests
{
    private const string LongName = "a-file-name-much-longer-than-iso-9660-level-1-allows.rpm";

    private static async Task<string> MakeIsoAsync(TempDirectory work, string naming)
    {
        var xorriso = Requires.Tool("xorriso", "xorriso");
        work.Write($"tree-{naming}/Packages/{LongName}", "rpm bytes");
        work.Write($"tree-{naming}/repodata/repomd.xml", "<repomd/>");
        work.Write($"tree-{naming}/.treeinfo", "[general]\nfamily = Rocky Linux\nversion = 8.10\narch = x86_64\n");
        var iso = work.File($"{naming}.iso");
        // xorriso always writes Rock Ridge; genisoimage without -R makes a Joliet-only image.
        var result = naming == "rockridge"
            ? await ProcessRunner.RunAsync(xorriso, ["-as", "mkisofs", "-R", "-V", "TEST", "-o", iso, work.File($"tree-{naming}")])
            : await ProcessRunner.RunAsync(Requires.Tool("genisoimage", "genisoimage"), ["-J", "-joliet-long", "-V", "TEST", "-o", iso, work.File($"tree-{naming}")]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return iso;
    }

    [Theory]
    [InlineData("rockridge")]
    [InlineData("joliet")]
    public async Task Open_XorrisoImage_LongNamesAndContent(string naming)
    {
        using var work = new TempDirectory("kindling-isoimage");
        var image = IsoImage.Open(await MakeIsoAsync(work, naming));

        var entry = image.Find($"Packages/{LongName}");

        Assert.Equal(naming, image.Naming);
        Assert.NotNull(entry);
        Assert.Equal("rpm bytes", Encoding.UTF8.GetString(image.ReadSmallFile($"Packages/{LongName}")!));
        Assert.Equal("<repomd/>", Encoding.UTF8.GetString(image.ReadSmallFile("repodata/repomd.xml")!));
        var mount = IsoMount.Describe(image);
        Assert.Equal("rocky-iso/8/os/x86_64", mount.Prefix);
    }

    [Fact]
    public void Read_NotAnIso_SaysSo()
    {
        var e = Assert.Throws<IsoFormatException>(() => IsoImage.Read(new MemoryStream(new byte[40 * 2048])));
        Assert.Contains("CD001", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_TruncatedImage_IsoFormatException()
    {
        using var work = new TempDirectory("kindling-isoimage");
        var iso = await MakeIsoAsync(work, "rockridge");
        var bytes = await File.ReadAllBytesAsync(iso, TestContext.Current.CancellationToken);
        var lastFile = IsoImage.Open(iso).Files().Max(f => f.Entry.Offset + f.Entry.Size);

        foreach (var cut in new[] { 100, 16 * 2048 + 10, 19 * 2048, (int)lastFile - 1 })
        {
            Assert.Throws<IsoFormatException>(() => IsoImage.Read(new MemoryStream(bytes[..cut])));
        }
    }

    /// <summary>The fuzz property: any corruption of a real image is either read or refused with IsoFormatException.</summary>
    [Fact]
    public async Task Read_RandomlyCorruptedImage_OnlyIsoFormatException()
    {
        using var work = new TempDirectory("kindling-isoimage");
        var original = await File.ReadAllBytesAsync(await MakeIsoAsync(work, "rockridge"), TestContext.Current.CancellationToken);
        var metadataEnd = Math.Min(original.Length, 40 * 2048);

        Gen.Select(Gen.Int[16 * 2048, metadataEnd - 1].Array[1, 20], Gen.Byte.Array[20]).Sample((positions, values) =>
        {
            var copy = (byte[])original.Clone();
            for (var i = 0; i < positions.Length; i++)
            {
                copy[positions[i]] = values[i];
            }

            try
            {
                var image = IsoImage.Read(new MemoryStream(copy));
                _ = image.Files().Count();
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
        }, iter: 2000);
    }
}
