using Kindling.Installer.Import;

namespace Kindling.Installer.Steps;

/// <summary>Step 4: the package's files into bucket kubean (original host paths) and its charts into the chart repository.</summary>
public sealed class FilesAndChartsStep : IInstallStep
{
    public int Number => 4;

    public async Task<string> RunAsync(InstallContext context, CancellationToken cancellationToken)
    {
        var package = context.Package;
        ContentReport files;
        using (var bar = context.Log.Progress($"importing files from {package.Directory}", package.TreeFiles.Sum(f => f.Length)))
        {
            files = await new FileImporter(context.Store.Files) { BytesRead = bar.Advance }.ImportAsync(package.EnumerateFiles(), cancellationToken);
        }

        var charts = new ChartImporter(context.Store.Charts).Import(package.Charts);
        context.Log.Info($"files: {files}; charts: {charts}");
        return $"files: {files}; charts: {charts}";
    }
}
