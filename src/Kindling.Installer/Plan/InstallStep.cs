namespace Kindling.Installer.Plan;

/// <summary>The bootstrap node's installation steps, numbered as DCE's <c>cluster-create -j</c> numbers them.</summary>
internal static class InstallStep
{
    public static readonly IReadOnlyDictionary<int, string> Titles = new Dictionary<int, string>
    {
        [1] = "precheck: configuration, offline package and its checksums, ports free, disk space, clock",
        [2] = "data folder, CA and server certificate, domain-name mode hosts entry",
        [3] = "OS repositories: the OS ISO and the os-pkgs tarball, served under bucket kubean",
        [4] = "files (binaries under their original host paths) and Helm charts",
        [5] = "container images, then the node service started and health-checked",
    };
}
