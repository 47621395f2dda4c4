using Xunit;

namespace Kindling.Testing;

/// <summary>
/// Preconditions on the machine (a peer tool, root, network namespaces). A missing one fails the test with a
/// message saying what to install when KINDLING_REQUIRE_TOOLS=1 (as test.sh and CI set it), and otherwise
/// skips it loudly, naming what is missing, so a developer without the tools still sees why.
/// </summary>
public static class Requires
{
    public static bool Strict => Environment.GetEnvironmentVariable("KINDLING_REQUIRE_TOOLS") == "1";

    /// <summary>The full path of a tool on PATH (or in tools/bin of the repository), or a loud skip/failure.</summary>
    public static string Tool(string name, string package)
    {
        var path = Tools.Find(name);
        if (path is not null)
        {
            return path;
        }

        Missing($"this test needs '{name}' (Debian package {package}); run ./test.sh, which installs it, or apt-get install {package}");
        return name;
    }

    public static void Root(string why)
    {
        if (Environment.UserName != "root" && !string.Equals(Environment.GetEnvironmentVariable("USER"), "root", StringComparison.Ordinal))
        {
            Missing($"this test needs root: {why}");
        }
    }

    private static void Missing(string message)
    {
        if (Strict)
        {
            Assert.Fail("MISSING PRECONDITION: " + message);
        }

        Assert.Skip("MISSING PRECONDITION (not run): " + message);
    }
}

/// <summary>Finds executables on PATH and in the repository's tools/bin (where test.sh puts helm).</summary>
public static class Tools
{
    public static string? Find(string name)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append(Path.Combine(Repository.Root, "tools", "bin"))
            .Append("/usr/sbin")
            .Append("/sbin");
        foreach (var dir in dirs)
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>Locates the repository (the folder holding Kindling.slnx) from the test's output folder.</summary>
public static class Repository
{
    private static readonly Lazy<string> LazyRoot = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Kindling.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("cannot find Kindling.slnx above " + AppContext.BaseDirectory);
    });

    public static string Root => LazyRoot.Value;

    public static string Samples => Path.Combine(Root, "samples");

    /// <summary>The ./kindling script at the repository root: builds the CLI once, then runs it.</summary>
    public static string KindlingScript => Path.Combine(Root, "kindling");
}
