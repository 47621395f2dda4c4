using System.Text.Json;
using Kindling.Artifacts.Storage;
using Kindling.Installer.Import;
using Kindling.Installer.Pki;
using Kindling.Installer.Service;

namespace Kindling.Installer.Steps;

/// <summary>Step 5: the package's images into the registry, then the node service (re)started and health-checked.</summary>
public sealed class ImagesStep : IInstallStep
{
    public int Number => 5;

    public async Task<string> RunAsync(InstallContext context, CancellationToken cancellationToken)
    {
        var layout = Path.Combine(context.PackagePath, "images");
        var images = ReadIndex(layout);
        var source = new OciLayoutBlobs(layout);
        var total = images.Count;
        ImportReport report;
        using (var bar = context.Log.Progress($"importing {total} image(s) from {layout}", Directory.EnumerateFiles(Path.Combine(layout, "blobs", Digest.Algorithm)).Sum(f => new FileInfo(f).Length)))
        {
            var importer = new ImageImporter(context.Store.Registry, context.MaxTasks) { BytesCopied = bar.Advance };
            report = await importer.ImportAsync(images, source, cancellationToken);
        }

        context.Log.Info($"images: {report}");
        var plan = context.Plan;
        var t = plan.Config.TinderKind;
        string[] serve =
        [
            "node", "serve", "--data", plan.DataDir, "-c", Path.Combine(plan.DataDir, "clusterConfig.yaml"),
            "--address", plan.NodeIp.Address.ToString(),
            "--registry-port", t.RegistryPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--charts-port", t.ChartmuseumPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--files-port", t.MinioServerPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ];
        var status = await context.Service.StartAsync(serve, cancellationToken);
        context.Log.Info($"node service started ({context.Service.Mode}): {status.Detail}");

        using var root = NodeCertificateFiles.For(plan.DataDir).LoadCaCertificate();
        var failure = await NodeHealthCheck.WaitHealthyAsync(plan.NodeIp.Address, t.RegistryPort, root, TimeSpan.FromSeconds(30), cancellationToken);
        if (failure is not null)
        {
            throw new InstallerException($"the node service started but is not healthy: {failure}; see {context.Service.LogPath}");
        }

        return $"{report}; node service healthy at https://{plan.NodeIp.Address}:{t.RegistryPort}";
    }

    /// <summary>The layout's index.json entries that carry a full reference (org.opencontainers.image.ref.name).</summary>
    internal static List<ImageEntry> ReadIndex(string layout)
    {
        var indexPath = Path.Combine(layout, "index.json");
        using var document = JsonDocument.Parse(File.ReadAllBytes(indexPath));
        var result = new List<ImageEntry>();
        var i = 0;
        foreach (var entry in document.RootElement.GetProperty("manifests").EnumerateArray())
        {
            var where = $"{indexPath}: manifests[{i++}]";
            if (!entry.TryGetProperty("annotations", out var annotations) || !annotations.TryGetProperty("org.opencontainers.image.ref.name", out var name))
            {
                throw new InstallerException($"{where}: no org.opencontainers.image.ref.name annotation; every image of a package needs its full upstream reference");
            }

            if (!ImageReference.TryParse(name.GetString() ?? "", out var reference, out var error))
            {
                throw new InstallerException($"{where}: {error}");
            }

            if (!Digest.TryParse(entry.GetProperty("digest").GetString(), out var digest, out var digestError))
            {
                throw new InstallerException($"{where}: {digestError}");
            }

            result.Add(new ImageEntry(reference, digest.Value, entry.GetProperty("mediaType").GetString() ?? ""));
        }

        return result;
    }
}
