using System.Text;
using Kindling.Installer.Package;
using Kindling.Installer.Package.Sample;
using Kindling.Artifacts.Registry;

namespace Kindling.Installer.Fuzz;

/// <summary>A fuzz target: seeds to mutate and a run that must never throw (reporting problems is fine).</summary>
internal sealed record Target(string Name, IReadOnlyList<byte[]> Seeds, Action<byte[]> Run);

internal static class Targets
{
    private static readonly string Scratch = Path.Combine(Path.GetTempPath(), $"kindling-fuzz-{Environment.ProcessId}");

    public static IReadOnlyList<Target> All { get; } =
    [
        new("tar", [Archive()], input => TarGzArchive.Walk(new MemoryStream(input))),
        new("chart", [Chart()], input => ChartArchive.Read(new MemoryStream(input))),
        new("chartyaml", [Encoding.UTF8.GetBytes("apiVersion: v2\nname: a\nversion: 1.0.0\n")],
            input => ChartArchive.Parse(Encoding.UTF8.GetString(input), "Chart.yaml")),
        new("ocijson", [Encoding.UTF8.GetBytes(SampleIndexJson)], OciJson),
        new("iso", [Iso()], input => IsoImageCheck.Check(ScratchFile("x.iso", input))),
        new("ospkgs", [Archive()], input => OsPackageArchive.Verify(ScratchFile("os-pkgs.tar.gz", input))),
    ];

    private const string SampleIndexJson =
        """{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":2,"annotations":{"org.opencontainers.image.ref.name":"example.com/a/b:1"}}]}""";

    private static void OciJson(byte[] input)
    {
        using var json = OciLayoutReader.Parse(ScratchFile("blob.json", input), out _);
        if (json is not null)
        {
            OciLayoutReader.Children(json.RootElement, ManifestDocument.OciIndex, []);
            OciLayoutReader.Children(json.RootElement, ManifestDocument.OciManifest, []);
        }

        var dir = Path.Combine(Scratch, "layout");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "index.json"), input);
        OciLayoutReader.ReadIndex(dir, "images/", []);
    }

    private static string ScratchFile(string name, byte[] content)
    {
        Directory.CreateDirectory(Scratch);
        var path = Path.Combine(Scratch, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private static byte[] Archive()
    {
        using var buffer = new MemoryStream();
        using (var tar = new TarGzWriter(buffer))
        {
            tar.AddText("os-pkgs/os-pkgs.sha256sum.txt", "00  os-pkgs/os-pkgs-amd64.tar.gz\n");
            tar.AddText("offline-files/example.com/a/b", "content\n");
        }

        return buffer.ToArray();
    }

    private static byte[] Chart()
    {
        var path = Path.Combine(Scratch, "seed-chart.tgz");
        Directory.CreateDirectory(Scratch);
        SampleContent.WriteChart(path, "seed", "0.1.0", "1.0.0", "seed chart");
        return File.ReadAllBytes(path);
    }

    private static byte[] Iso()
    {
        var path = Path.Combine(Scratch, "seed.iso");
        Directory.CreateDirectory(Scratch);
        IsoImageWriter.Write(path, "SEED", [("repodata/repomd.xml", Encoding.UTF8.GetBytes("<repomd/>"))]);
        return File.ReadAllBytes(path);
    }
}
