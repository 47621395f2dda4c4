using Kindling.Installer.Hosts;
using Kindling.Installer.Pki;

namespace Kindling.Installer.Steps;

/// <summary>Step 2: the data folder, the CA and server certificate, the admin credentials, and domain-name mode.</summary>
internal sealed class PkiStep : IInstallStep
{
    public int Number => 2;

    public Task<string> RunAsync(InstallContext context, CancellationToken cancellationToken)
    {
        var plan = context.Plan;
        Directory.CreateDirectory(plan.DataDir);
        var files = NodeCertificates.Ensure(plan.DataDir, plan.SubjectAltNames, plan.Request.CaFrom);
        var ca = files.CaCreated ? "CA created" : files.CaImported ? $"CA imported from {plan.Request.CaFrom}" : "CA kept";
        var server = files.ServerIssued ? "server certificate issued" : "server certificate kept";
        context.Log.Info($"{ca} ({files.CaCertificatePath}); {server} for {string.Join(", ", files.SubjectAltNames)}");

        var store = context.Store;
        if (store.NewAdminPassword is { } password)
        {
            // Printed once; the file keeps it (0600) for tools such as kindling sync --to-credentials.
            context.Log.Info($"admin credentials created: user admin, password {password} (also in {Path.Combine(plan.DataDir, "admin-credentials")}, mode 0600)");
        }

        var hosts = "hosts file not involved (IP mode)";
        if (plan.Hosts is { } decision)
        {
            var changed = DomainNameMode.Apply(decision);
            hosts = changed ? $"{decision.HostsFilePath}: added {decision.NodeIp} {decision.Domain}" : decision.Explanation;
            context.Log.Info(hosts);
        }

        DurableFile.WriteAllText(Path.Combine(plan.DataDir, "clusterConfig.yaml"), File.ReadAllText(plan.Config.SourceFile));
        return Task.FromResult($"{ca}, {server}; {hosts}");
    }
}
