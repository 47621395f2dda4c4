using Kindling.Testing;

namespace Kindling.Replication.Tests.Support;

/// <summary>The real skopeo against test nodes, trusting their CA (never --tls-verify=false).</summary>
internal static class Skopeo
{
    private static readonly Lazy<string> Policy = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), $"kindling-repl-policy-{Environment.ProcessId}.json");
        File.WriteAllText(path, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        return path;
    });

    /// <summary>A folder holding only the node's ca.crt, as skopeo's --cert-dir wants it.</summary>
    public static string CertDir(TestNode node)
    {
        var dir = node.DataDirectory + "-certs";
        Directory.CreateDirectory(dir);
        var target = Path.Combine(dir, "ca.crt");
        if (!File.Exists(target) || !File.ReadAllBytes(target).AsSpan().SequenceEqual(File.ReadAllBytes(node.CaFile)))
        {
            // Parallel pushes share the folder: copy only when it changed (a copy over a file being read fails).
            File.Copy(node.CaFile, target, overwrite: true);
        }
        return dir;
    }

    /// <summary>Pushes <paramref name="reference"/> of an OCI layout (all architectures) to the node as the admin.</summary>
    public static async Task PushAsync(string layout, string reference, TestNode node, string? as_ = null)
    {
        var result = await RunAsync(["copy", "--all", "--retry-times", "0", "--dest-cert-dir", CertDir(node), "--dest-creds", node.Credentials,
            $"oci:{layout}:{reference}", $"docker://{node.Registry}/{as_ ?? reference}"]);
        Assert.True(result.ExitCode == 0, $"skopeo push {reference} to {node}: {result}");
    }

    /// <summary>Pulls an image from the node into an OCI layout (skopeo checks every blob's digest).</summary>
    public static async Task<ProcessResult> PullAsync(TestNode node, string reference, string layout) =>
        await RunAsync(["copy", "--all", "--retry-times", "0", "--src-cert-dir", CertDir(node), $"docker://{node.Registry}/{reference}", $"oci:{layout}:{reference.Replace('/', '_')}"]);

    private static Task<ProcessResult> RunAsync(IEnumerable<string> args)
    {
        var skopeo = Requires.Tool("skopeo", "skopeo");
        return ProcessRunner.RunAsync(skopeo, ["--policy", Policy.Value, .. args], TimeSpan.FromMinutes(4),
            env: new Dictionary<string, string> { ["HOME"] = Path.GetTempPath() });
    }
}
