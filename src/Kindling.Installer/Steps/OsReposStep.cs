using Kindling.Artifacts.Files;
using Kindling.Artifacts.Iso;
using Kindling.Config;
using Kindling.Installer.Import;
using Kindling.Installer.Package;
using Kindling.Installer.Retention;

namespace Kindling.Installer.Steps;

/// <summary>
/// Step 3: OS repositories. The ISO is served in place, never extracted or mounted (the node service reads it at
/// kubean/&lt;distro&gt;-iso/&lt;version&gt;/os/&lt;arch&gt;/); the os-pkgs tarball is unpacked into bucket kubean at
/// kubean/&lt;distro&gt;/&lt;version&gt;/os/&lt;arch&gt;/.
/// </summary>
internal sealed class OsReposStep : IInstallStep
{
    public int Number => 3;

    public async Task<string> RunAsync(InstallContext context, CancellationToken cancellationToken)
    {
        var repos = context.Plan.Config.OsRepos;
        if (repos.Type != RepoType.Builtin)
        {
            return $"osRepos.type is {repos.Type}: this node serves no OS repositories";
        }

        var parts = new List<string>();
        if (repos.IsoPath is { } isoPath)
        {
            try
            {
                var mount = IsoMount.Describe(IsoImage.Open(isoPath));
                parts.Add($"ISO {isoPath} served in place at {FileStore.PublicBucket}/{mount.Prefix}/");
            }
            catch (IsoFormatException e)
            {
                throw new InstallerException($"{context.Plan.Config.Where("spec.osRepos.isoPath")}: {e.Message}");
            }
        }

        if (repos.OsPackagePath is { } osPackages)
        {
            var length = new FileInfo(osPackages).Length;
            using var bar = context.Log.Progress($"unpacking {osPackages}", length);
            var keys = new List<string>();
            var report = await new FileImporter(context.Store.Files).ImportAsync(OsPackageArchive.EnumerateFiles(osPackages).Select(f =>
            {
                keys.Add(f.Key);
                return f;
            }), cancellationToken);
            context.RecordRelease(keys.Select(k => (ReleaseItem.Files, FileStore.PublicBucket, k)));
            parts.Add($"os-pkgs {Path.GetFileName(osPackages)}: {report}");
        }

        return string.Join("; ", parts);
    }
}
