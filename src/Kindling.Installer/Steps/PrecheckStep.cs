using System.Net.Sockets;
using Kindling.Artifacts.Content;
using Kindling.Installer.Package;

namespace Kindling.Installer.Steps;

/// <summary>Step 1: the configuration (already validated), the offline package, free ports, disk space and the clock.</summary>
internal sealed class PrecheckStep(TimeProvider? time = null) : IInstallStep
{
    private static readonly DateTimeOffset Sane = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public int Number => 1;

    public Task<string> RunAsync(InstallContext context, CancellationToken cancellationToken)
    {
        var plan = context.Plan;
        var problems = new List<string>();

        var now = (time ?? TimeProvider.System).GetUtcNow();
        if (now < Sane)
        {
            problems.Add($"the clock says {now:yyyy-MM-dd}: certificates issued now would be rejected by clients; set the date (and NTP) first");
        }

        var package = context.PackagePath;
        long packageBytes = 0;
        if (!Directory.Exists(package))
        {
            problems.Add($"{plan.Config.Where("spec.fullPackagePath")}: {package} does not exist; unpack the offline package there (or fix the path)");
        }
        else
        {
            packageBytes = new DirectoryInfo(package).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
            var includesOs = plan.Request.Steps.Includes(3);
            using var bar = context.Log.Progress($"verifying the offline package {package}", packageBytes);
            var report = context.Package.Verify(new PackageVerifyOptions
            {
                OsPackagePath = includesOs && File.Exists(plan.Config.OsRepos.OsPackagePath) ? plan.Config.OsRepos.OsPackagePath : null,
                IsoPath = includesOs && File.Exists(plan.Config.OsRepos.IsoPath) ? plan.Config.OsRepos.IsoPath : null,
                Progress = new Progress<long>(bar.Advance),
            });
            problems.AddRange(report.Problems.Select(p => Path.IsPathRooted(p.File) ? p.ToString() : $"{Path.Combine(package, p.File)}: {p.Message}"));
        }

        foreach (var (path, what) in new[] { (plan.Config.OsRepos.IsoPath, "spec.osRepos.isoPath"), (plan.Config.OsRepos.OsPackagePath, "spec.osRepos.osPackagePath") })
        {
            if (plan.Request.Steps.Includes(3) && path is not null && !File.Exists(path))
            {
                problems.Add($"{plan.Config.Where(what)}: {path} does not exist");
            }
        }

        problems.AddRange(CheckPorts(context));

        Directory.CreateDirectory(plan.DataDir);
        var free = new DriveInfo(plan.DataDir).AvailableFreeSpace;
        var needed = (long)(packageBytes * 1.1);
        if (free < needed)
        {
            problems.Add($"{plan.DataDir}: no space left for the import: {free / (1024 * 1024)} MiB free, the package needs about {needed / (1024 * 1024)} MiB (nothing was imported); free space there or choose another --data");
        }

        if (problems.Count > 0)
        {
            throw new InstallerException("precheck failed:\n  " + string.Join("\n  ", problems));
        }

        return Task.FromResult($"package {package} ({packageBytes / (1024.0 * 1024):0.0} MiB) verified; ports free; {free / (1024 * 1024 * 1024.0):0.0} GiB free in {plan.DataDir}");
    }

    private static IEnumerable<string> CheckPorts(InstallContext context)
    {
        // A node service of ours already running (a rerun, an upgrade) holds the ports legitimately.
        if (context.Service.Status().Running)
        {
            yield break;
        }

        var t = context.Plan.Config.TinderKind;
        foreach (var (port, name, path) in new[] { (t.RegistryPort, ContentKind.Images.Service(), "registryPort"), (t.ChartmuseumPort, ContentKind.Charts.Service(), "chartmuseumPort"), (t.MinioServerPort, ContentKind.Files.Service(), "minioServerPort") })
        {
            string? problem = null;
            try
            {
                using var listener = new TcpListener(context.Plan.NodeIp.Address, port);
                listener.Start();
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
            {
                problem = $"port {port} ({name}) needs root (or CAP_NET_BIND_SERVICE); run as root or set spec.tinderKind.{path} above 1023";
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                problem = $"port {port} ({name}) on {context.Plan.NodeIp.Address} is in use by another program; stop it or set spec.tinderKind.{path}";
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressNotAvailable)
            {
                problem = $"{context.Plan.NodeIp.Address} is not an address of this machine; pass the node's IP with -t";
            }

            if (problem is not null)
            {
                yield return problem;
            }
        }
    }
}
