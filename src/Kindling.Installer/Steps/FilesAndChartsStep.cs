using Kindling.Artifacts.Files;
using Kindling.Installer.Import;
using Kindling.Installer.Retention;

namespace Kindling.Installer.Steps;

/// <summary>Step 4: the package's files into bucket kubean (original host paths) and its charts into the chart repository.</summary>
internal sealed class FilesAndChartsStep : IInstallStep
{
    public int Number => 4;

    public async Task<string> RunAsync(InstallContext context, CancellationToken cancellationToken)
    {
        var package = context.Package;
        ContentReport files;
        var keys = new List<string>();
        using (var bar = context.Log.Progress($"importing files from {package.Directory}", package.TreeFiles.Sum(f => f.Length)))
        {
            files = await new FileImporter(context.Store.Files) { BytesRead = bar.Advance }.ImportAsync(package.EnumerateFiles().Select(f =>
            {
                keys.Add(f.Key);
                return f;
            }), cancellationToken);
        }

        var charts = new ChartImporter(context.Store.Charts).Import(package.Charts);
        context.RecordRelease(keys.Select(k => (ReleaseItem.Files, FileStore.PublicBucket, k))
            .Concat(package.Charts.Select(c => (ReleaseItem.Charts, c.Name, c.Version))));
        context.Log.Info($"files: {files}; charts: {charts}");
        return $"files: {files}; charts: {charts}";
    }
}
