using Kindling.Testing;

namespace Kindling.Artifacts.Http.Tests.Support;

/// <summary>Builds a small OS-repository ISO the way a distro does: an RPM, createrepo_c metadata, .treeinfo, xorriso.</summary>
internal static class TestIso
{
    public const string LongPackage = "kindling-hello-with-a-rock-ridge-long-name";

    /// <summary>Returns the .iso path and the RPM's file name. <paramref name="rockRidge"/> false makes a Joliet-only image.</summary>
    public static async Task<(string Iso, string Rpm)> BuildAsync(TempDirectory work, bool rockRidge = true)
    {
        var rpmbuild = Requires.Tool("rpmbuild", "rpm");
        var createrepo = Requires.Tool("createrepo_c", "createrepo-c");
        var xorriso = Requires.Tool("xorriso", "xorriso");
        var top = work.File("rpmbuild");
        var spec = work.Write("hello.spec", $"""
            Name: {LongPackage}
            Version: 1.0
            Release: 1
            Summary: A package served from an ISO by Kindling's tests
            License: MIT
            BuildArch: noarch
            %description
            Test package.
            %files
            %changelog
            """);
        var build = await ProcessRunner.RunAsync(rpmbuild, ["-bb", "--define", $"_topdir {top}", spec]);
        Assert.True(build.ExitCode == 0, build.ToString());
        var rpm = $"{LongPackage}-1.0-1.noarch.rpm";
        var tree = work.File("tree");
        Directory.CreateDirectory(Path.Combine(tree, "Packages"));
        File.Copy(Path.Combine(top, "RPMS", "noarch", rpm), Path.Combine(tree, "Packages", rpm));
        work.Write("tree/.treeinfo", "[general]\nfamily = CentOS Linux\nversion = 7.9.2009\narch = x86_64\n\n[tree]\narch = x86_64\n");
        work.Write("tree/.discinfo", "1600000000.000000\nCentOS 7\nx86_64\n");
        var repo = await ProcessRunner.RunAsync(createrepo, [tree]);
        Assert.True(repo.ExitCode == 0, repo.ToString());
        var iso = work.File(rockRidge ? "os-rr.iso" : "os-joliet.iso");
        var make = await ProcessRunner.RunAsync(xorriso, ["-as", "mkisofs", rockRidge ? "-R" : "-J", "-joliet-long", "-V", "KINDLING_TEST", "-o", iso, tree]);
        Assert.True(make.ExitCode == 0, make.ToString());
        return (iso, rpm);
    }
}
