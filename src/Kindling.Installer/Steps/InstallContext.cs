using Kindling.Artifacts;
using Kindling.Installer.Package;
using Kindling.Installer.Plan;
using Kindling.Installer.Retention;
using Kindling.Installer.Service;

namespace Kindling.Installer.Steps;

/// <summary>What every step works with: the plan, the log, and (opened on first use) the node's store.</summary>
public sealed class InstallContext(InstallPlan plan, InstallLog log, NodeServiceControl service, int maxTasks, TimeProvider? time = null) : IDisposable
{
    private NodeStore? _store;
    private OfflinePackage? _package;

    public InstallPlan Plan { get; } = plan;
    public InstallLog Log { get; } = log;
    public NodeServiceControl Service { get; } = service;
    public int MaxTasks { get; } = maxTasks;

    /// <summary>The clock for the steps' deadlines and records.</summary>
    public TimeProvider Time { get; } = time ?? TimeProvider.System;

    /// <summary>What <c>--prune</c> removed in step 5 (null when it did not run): the removals to push to a backup.</summary>
    public PruneResult? Pruned { get; set; }
    public string PackagePath => Plan.Config.FullPackagePath ?? throw new InstallerException($"{Plan.Config.Where("spec.fullPackagePath")}: not set; the offline package is needed for this step");

    /// <summary>The offline package at fullPackagePath, opened once.</summary>
    public OfflinePackage Package => _package ??= OpenPackage();

    /// <summary>The node's store in the data folder, opened once.</summary>
    public NodeStore Store => _store ??= NodeStore.Open(Plan.DataDir, shared: Service.Status().Running);

    public void Dispose() => _store = null;

    /// <summary>
    /// Records in <c>DATA/releases.json</c> that this package's release brought these items, with the values the
    /// store now holds for them (what was imported); items the store does not hold are not recorded.
    /// </summary>
    public void RecordRelease(IEnumerable<(string Service, string Part, string Name)> items)
    {
        if (Plan.Config.FullPackagePath is null)
        {
            return;
        }

        var content = Store.Content;
        var recorded = items.Select(i => content.Entries(i.Service, i.Part).TryGetValue(i.Name, out var value) ? new ReleaseItem(i.Service, i.Part, i.Name, value) : (ReleaseItem?)null)
            .OfType<ReleaseItem>().ToList();
        ReleaseLog.Load(Plan.DataDir).Record(Package.Version ?? "(no VERSION)", Package.Directory, recorded, Time.GetUtcNow());
    }

    private OfflinePackage OpenPackage()
    {
        try
        {
            return OfflinePackage.Open(PackagePath);
        }
        catch (PackageException e)
        {
            throw new InstallerException($"{Plan.Config.Where("spec.fullPackagePath")}: {e.Message}");
        }
    }
}

/// <summary>One numbered installation step.</summary>
public interface IInstallStep
{
    int Number { get; }

    /// <summary>Runs the step; returns a one-line summary. Running it again after success changes nothing.</summary>
    Task<string> RunAsync(InstallContext context, CancellationToken cancellationToken);
}
