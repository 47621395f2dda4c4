using Kindling.Installer.Import;
using Kindling.Installer.Pki;
using Kindling.Installer.Retention;
using Kindling.Installer.Service;

namespace Kindling.Installer.Steps;

/// <summary>Step 5: the package's images into the registry, then the node service (re)started and health-checked.</summary>
internal sealed class ImagesStep : IInstallStep
{
    public int Number => 5;

    public async Task<string> RunAsync(InstallContext context, CancellationToken cancellationToken)
    {
        var package = context.Package;
        var layout = package.ImageLayoutPath;
        var images = package.Images
            .Select(i => new ImageEntry(i.Repository, i.Tag, i.Descriptor.Digest, i.Descriptor.MediaType))
            .ToList();
        var source = new OciLayoutBlobs(layout);
        ImportReport report;
        var layoutBytes = Directory.Exists(Path.Combine(layout, "blobs")) ? new DirectoryInfo(Path.Combine(layout, "blobs")).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;
        using (var bar = context.Log.Progress($"importing {images.Count} image(s) from {layout}", layoutBytes))
        {
            var importer = new ImageImporter(context.Store.Registry, context.MaxTasks) { BytesCopied = bar.Advance };
            report = await importer.ImportAsync(images, source, cancellationToken);
        }

        context.Log.Info($"images: {report}");
        context.RecordRelease(package.Images.Where(i => i.Tag is not null).Select(i => (ReleaseItem.Registry, i.Repository, i.Tag!)));
        var pruned = Prune(context);
        var plan = context.Plan;
        var t = plan.Config.TinderKind;
        string[] serve =
        [
            "node", "serve", "--data", plan.DataDir, "-c", Path.Combine(plan.DataDir, "clusterConfig.yaml"),
            "--address", plan.NodeIp.Address.ToString(),
            "--registry-port", t.RegistryPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--charts-port", t.ChartmuseumPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--files-port", t.MinioServerPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            .. plan.Request.ReplicationArguments(),
        ];
        await DrainBeforeRestartAsync(context, cancellationToken);
        var status = await context.Service.StartAsync(serve, cancellationToken);
        context.Log.Info($"node service started ({context.Service.Mode}): {status.Detail}");

        using var root = NodeCertificateFiles.For(plan.DataDir).LoadCaCertificate();
        var failure = await NodeHealthCheck.WaitHealthyAsync(plan.NodeIp.Address, t.RegistryPort, root, TimeSpan.FromSeconds(30), cancellationToken, context.Time);
        if (failure is not null)
        {
            throw new InstallerException($"the node service started but is not healthy: {failure}; see {context.Service.LogPath}");
        }

        return $"{report}{pruned}; node service healthy at https://{plan.NodeIp.Address}:{t.RegistryPort}";
    }

    /// <summary>
    /// <c>--prune</c>: what came from packages older than the last <c>--keep-releases</c> is removed from the store
    /// before the restart, so the restarted node serves without it (docs/offline-package.md, "Retention").
    /// </summary>
    private static string Prune(InstallContext context)
    {
        var request = context.Plan.Request;
        if (!request.Prune)
        {
            return "";
        }

        var log = ReleaseLog.Load(context.Plan.DataDir);
        var result = NodePruner.Prune(context.Store, log, request.KeepReleases, dryRun: false);
        foreach (var line in result.Describe())
        {
            context.Log.Write(line);
        }

        context.Log.Info($"prune: {result}");
        context.Pruned = result;
        return $"; prune: {result}";
    }

    /// <summary>
    /// A running node (a rerun, <c>-u tinder</c>) is drained before its restart, so no client request fails: its
    /// /healthz answers 503 draining, the failover DNS moves clients to the other node, and the restart waits until
    /// no request arrived for the node's quiet period. The restarted node serves undrained (the undrain).
    /// </summary>
    private static async Task DrainBeforeRestartAsync(InstallContext context, CancellationToken cancellationToken)
    {
        if (!context.Service.Status().Running)
        {
            return;
        }

        using var admin = new NodeAdminClient(context.Plan.DataDir, context.Time);
        if (!admin.Exists)
        {
            context.Log.Info("the running node service has no admin socket (an older version): restarting without a drain");
            return;
        }

        var started = System.Diagnostics.Stopwatch.StartNew();
        NodeDrainStatus status;
        bool drained;
        try
        {
            (status, drained) = await admin.DrainAndWaitAsync(null, TimeSpan.FromSeconds(60), s => context.Log.Info($"draining before the restart: {s}"), cancellationToken);
        }
        catch (InstallerException e)
        {
            context.Log.Info($"cannot drain the running node ({e.Message}): restarting without a drain");
            return;
        }

        context.Log.Info(drained
            ? $"node drained in {started.Elapsed.TotalSeconds:0.0} s before the restart: {status}"
            : $"node not drained within 60 s ({status}): restarting anyway; in-flight requests still finish");
    }
}
