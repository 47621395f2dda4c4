
namespace Kindling.Installer.Package.Sample;

/// <summary>
/// The sample's images, in an OCI layout: small = three images sharing one base layer plus a multi-architecture
/// index (amd64 + arm64); large = 20 images sharing a 20 MiB base layer plus a unique 1 MiB layer each (the shape of
/// the replication benchmark). Layers are gzip'd tars of real files.
/// </summary>
internal static class SampleImages
{
    public const int LargeImages = 20;
    public const long LargeBaseBytes = 20L << 20;
    public const long LargeUniqueBytes = 1L << 20;

    public static List<string> Write(string layoutDir, SampleSize size)
    {
        var layout = new OciLayoutWriter(layoutDir);
        var references = size == SampleSize.Large ? WriteLarge(layout) : WriteSmall(layout);
        layout.Finish();
        return references;
    }

    private static List<string> WriteSmall(OciLayoutWriter layout)
    {
        var references = new List<string>();
        var baseAmd64 = layout.WriteLayer(tar => BaseFiles(tar, "amd64"));
        foreach (var (reference, app) in new[]
        {
            ("release.daocloud.io/kpanda/apiserver:v0.20.0", "apiserver"),
            ("release.daocloud.io/kpanda/controller-manager:v0.20.0", "controller-manager"),
            ("release.daocloud.io/kubean-io/kubean-operator:v0.7.4", "kubean-operator"),
        })
        {
            var appLayer = layout.WriteLayer(tar => AppFiles(tar, app));
            layout.Tag(reference, layout.WriteImage("amd64", [baseAmd64, appLayer], $"/app/{app}/run", app));
            references.Add(reference);
        }

        var hello = layout.WriteLayer(tar => AppFiles(tar, "hello"));
        var baseArm64 = layout.WriteLayer(tar => BaseFiles(tar, "arm64"));
        var index = layout.WriteIndex(
        [
            layout.WriteImage("amd64", [baseAmd64, hello], "/app/hello/run", "hello"),
            layout.WriteImage("arm64", [baseArm64, hello], "/app/hello/run", "hello"),
        ]);
        const string multiArch = "release.daocloud.io/kindling/hello:v1.0.0";
        layout.Tag(multiArch, index);
        references.Add(multiArch);
        return references;
    }

    private static List<string> WriteLarge(OciLayoutWriter layout)
    {
        var references = new List<string>();
        var baseLayer = layout.WriteLayer(tar =>
        {
            BaseFiles(tar, "amd64");
            using var data = new PseudoRandomStream(0x5EED_BA5E, LargeBaseBytes);
            tar.AddFile("usr/share/kindling/base.bin", data);
        });
        for (var i = 1; i <= LargeImages; i++)
        {
            var name = $"bench-{i:D2}";
            var unique = layout.WriteLayer(tar =>
            {
                AppFiles(tar, name);
                using var data = new PseudoRandomStream(0xB0_0000ul + (ulong)i, LargeUniqueBytes);
                tar.AddFile($"app/{name}/data.bin", data);
            });
            var reference = $"release.daocloud.io/kindling/{name}:v1.0.0";
            layout.Tag(reference, layout.WriteImage("amd64", [baseLayer, unique], $"/app/{name}/run", name));
            references.Add(reference);
        }

        return references;
    }

    private static void BaseFiles(TarGzWriter tar, string arch)
    {
        tar.AddText("etc/os-release", $"NAME=\"Kindling sample base\"\nID=kindling-sample\nVERSION_ID=1\nARCH={arch}\n");
        tar.AddText("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        tar.AddText("etc/group", "root:x:0:\nnogroup:x:65534:\n");
        tar.AddText("bin/hello", "#!/bin/sh\necho \"hello from the Kindling sample base layer\"\n", TarGzWriter.ExecutableMode);
        tar.AddText("usr/share/kindling/base.txt", "This layer is shared by every image of the Kindling sample package.\n");
    }

    private static void AppFiles(TarGzWriter tar, string app)
    {
        tar.AddText($"app/{app}/run", $"#!/bin/sh\nexec /bin/hello {app}\n", TarGzWriter.ExecutableMode);
        tar.AddText($"app/{app}/config.yaml", $"name: {app}\nlisten: 0.0.0.0:8080\n");
    }
}
