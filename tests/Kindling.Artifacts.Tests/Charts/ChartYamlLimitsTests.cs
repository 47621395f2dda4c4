using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Kindling.Artifacts.Charts;

namespace Kindling.Artifacts.Tests.Charts;

/// <summary>Chart.yaml is an uploader's input served to everyone: depth, alias expansion and size are bounded.</summary>
public class ChartYamlLimitsTests
{
    private const string Head = "apiVersion: v2\nname: app\nversion: 1.0.0\n";

    [Fact]
    public void Read_100000LevelsDeep_RefusedNamingDepthLimit_WithoutStackOverflow()
    {
        var yaml = Head + "x: " + new string('[', 100_000) + new string(']', 100_000) + "\n";

        var error = Assert.Throws<ChartException>(() => ChartArchive.Read(Tgz("app/Chart.yaml", yaml)));

        Assert.Equal("app/Chart.yaml:4: nested deeper than 64 levels (the limit for this document)", error.Message);
    }

    [Fact]
    public void Read_BlockMappings64LevelsDeep_Accepted_65Refused()
    {
        // The root mapping is level 1; each nested key's mapping one more.
        static string Nested(int levels) => Head + string.Concat(Enumerable.Range(0, levels - 1).Select(i => new string(' ', i) + $"k{i}:\n")) + new string(' ', levels - 1) + "leaf: 1\n";

        var accepted = ChartArchive.Read(Tgz("app/Chart.yaml", Nested(64)));
        var refused = Assert.Throws<ChartException>(() => ChartArchive.Read(Tgz("app/Chart.yaml", Nested(65))));

        Assert.True(accepted.Fields.ContainsKey("k0"));
        Assert.Contains("nested deeper than 64 levels", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_AliasBomb_RefusedNamingNodeLimit()
    {
        var yaml = new StringBuilder(Head).Append("a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n");
        for (var level = 'b'; level <= 'i'; level++)
        {
            yaml.Append($"{level}: &{level} [{string.Join(',', Enumerable.Repeat($"*{(char)(level - 1)}", 9))}]\n");
        }

        var error = Assert.Throws<ChartException>(() => ChartArchive.Read(Tgz("app/Chart.yaml", yaml.ToString())));

        Assert.True(yaml.Length < 500);
        Assert.Contains("app/Chart.yaml:", error.Message, StringComparison.Ordinal);
        Assert.Contains("more than 10,000 nodes with aliases expanded", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_AliasOfLongScalar_RefusedNamingCharacterLimit()
    {
        var yaml = Head + "a: &a " + new string('x', 200_000) + "\nb: [*a, *a, *a, *a, *a, *a]\n";

        var error = Assert.Throws<ChartException>(() => ChartArchive.Read(Tgz("app/Chart.yaml", yaml)));

        Assert.Contains("more than 1,048,576 characters of values with aliases expanded", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_SmallAliases_StillWork()
    {
        var yaml = Head + "base: &base {a: 1, b: [x, y]}\ncopy: *base\n";

        var chart = ChartArchive.Read(Tgz("app/Chart.yaml", yaml));

        Assert.Same(chart.Fields["base"], chart.Fields["copy"]);
        Assert.Equal(1L, ((Dictionary<string, object?>)chart.Fields["copy"]!)["a"]);
    }

    [Fact]
    public void Read_ChartYamlOver1MiB_RefusedNamingFileAndLimit()
    {
        var yaml = Head + "description: " + new string('x', 2 * 1024 * 1024) + "\n";

        var error = Assert.Throws<ChartException>(() => ChartArchive.Read(Tgz("big/Chart.yaml", yaml)));

        Assert.Equal($"big/Chart.yaml is {Encoding.UTF8.GetByteCount(yaml):N0} bytes, over the 1 MiB limit for Chart.yaml", error.Message);
    }

    [Fact]
    public void Read_PlainNaNAndInfinity_StayStrings_FiniteNumbersAreDoubles()
    {
        var chart = ChartArchive.Read(Tgz("app/Chart.yaml", Head + "a: NaN\nb: Infinity\nc: -Infinity\nd: 1.5\ne: 1e400\n"));

        Assert.Equal("NaN", chart.Fields["a"]);
        Assert.Equal("Infinity", chart.Fields["b"]);
        Assert.Equal("-Infinity", chart.Fields["c"]);
        Assert.Equal(1.5, chart.Fields["d"]);
        Assert.Equal("1e400", chart.Fields["e"]);
        _ = JsonTree.ToUtf8(JsonTree.From(chart.Fields)!);
    }

    [Fact]
    public void Read_DuplicateKeyOrSecondDocument_RefusedWithLine()
    {
        var duplicate = Assert.Throws<ChartException>(() => ChartArchive.Read(Tgz("app/Chart.yaml", Head + "name: other\n")));
        var twoDocuments = Assert.Throws<ChartException>(() => ChartArchive.Read(Tgz("app/Chart.yaml", Head + "---\na: 1\n")));
        var undefined = Assert.Throws<ChartException>(() => ChartArchive.Read(Tgz("app/Chart.yaml", Head + "a: *nothing\n")));

        Assert.Equal("app/Chart.yaml:4: key 'name' appears twice in one mapping", duplicate.Message);
        Assert.Contains("more than one YAML document", twoDocuments.Message, StringComparison.Ordinal);
        Assert.Contains("alias *nothing names no anchor", undefined.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TypicalChart_KeepsTypesAndRawVersionText()
    {
        var chart = ChartArchive.Read(Tgz("app/Chart.yaml",
            "apiVersion: v2\nname: app\nversion: 1.0.0\nappVersion: 1.10\ndeprecated: false\nkeywords: [a, b]\ndependencies:\n  - name: db\n    version: \"~1\"\n    condition: db.enabled\n"));

        Assert.Equal("1.10", chart.Fields["appVersion"]);
        Assert.Equal(false, chart.Fields["deprecated"]);
        Assert.Equal(new List<object?> { "a", "b" }, chart.Fields["keywords"]);
        var dependency = (Dictionary<string, object?>)((List<object?>)chart.Fields["dependencies"]!)[0]!;
        Assert.Equal("~1", dependency["version"]);
    }

    internal static byte[] Tgz(string entryName, string chartYaml)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, entryName) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(chartYaml)) });
        }

        return output.ToArray();
    }
}
