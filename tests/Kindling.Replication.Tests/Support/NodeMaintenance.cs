using System.Text.Json;
using Kindling.Testing;

namespace Kindling.Replication.Tests.Support;

/// <summary><c>kindling node gc|fsck --json</c> on a node's data folder (inside the node when it runs), and image deletion.</summary>
internal static class NodeMaintenance
{
    public static async Task<JsonElement> GcAsync(string dataDirectory, params string[] extra)
    {
        var result = await ProcessRunner.KindlingAsync(["node", "gc", "--data", dataDirectory, "--json", .. extra]);
        Assert.True(result.ExitCode == 0, $"kindling node gc: {result}");
        using var json = JsonDocument.Parse(result.StdOut);
        return json.RootElement.Clone();
    }

    /// <summary>The fsck report; its exit code is in <c>exitCode</c> and checked against the process's.</summary>
    public static async Task<JsonElement> FsckAsync(string dataDirectory, bool repair = false)
    {
        var result = await ProcessRunner.KindlingAsync(["node", "fsck", "--data", dataDirectory, "--json", .. repair ? new[] { "--repair" } : []]);
        Assert.True(result.ExitCode is 0 or 1 or 4, $"kindling node fsck: {result}");
        using var json = JsonDocument.Parse(result.StdOut);
        var report = json.RootElement.Clone();
        Assert.Equal(result.ExitCode, report.GetProperty("exitCode").GetInt32());
        return report;
    }

    /// <summary>DELETE of a manifest by digest (its tags go with it), as the admin.</summary>
    public static async Task DeleteManifestAsync(TestNode node, string repository, string digest)
    {
        var curl = Requires.Tool("curl", "curl");
        var result = await ProcessRunner.RunAsync(curl, ["-sS", "-f", "-o", "/dev/null", "--cacert", node.CaFile, "-u", node.Credentials, "-X", "DELETE",
            $"{node.RegistryUrl}/v2/{repository}/manifests/{digest}"], TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, $"DELETE {repository}@{digest} on {node}: {result}");
    }

    /// <summary>Whether the node's blob store holds the blob (a file under store/blobs).</summary>
    public static bool HasBlob(string dataDirectory, string digest) =>
        File.Exists(Path.Combine(dataDirectory, "store", "blobs", "sha256", digest[7..9], digest[7..]));
}
