using Kindling.Testing;

namespace Kindling.Artifacts.Http.Tests.Support;

/// <summary>Runs the real skopeo against a test node, trusting the test CA (never --tls-verify=false).</summary>
internal static class Skopeo
{
    private static readonly Lazy<string> Policy = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), $"kindling-skopeo-policy-{Environment.ProcessId}.json");
        File.WriteAllText(path, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        return path;
    });

    public static async Task<ProcessResult> CopyAsync(string source, string destination, string? destinationCredentials, params string[] extra)
    {
        var skopeo = Requires.Tool("skopeo", "skopeo");
        var ca = TestCertificates.Instance.CaDirectory;
        var args = new List<string> { "--policy", Policy.Value, "copy", "--retry-times", "0", "--src-cert-dir", ca, "--dest-cert-dir", ca };
        if (destinationCredentials is not null)
        {
            args.AddRange(["--dest-creds", destinationCredentials]);
        }

        args.AddRange(extra);
        args.AddRange([source, destination]);
        return await ProcessRunner.RunAsync(skopeo, args, TimeSpan.FromMinutes(4), env: new Dictionary<string, string> { ["HOME"] = Path.GetTempPath() });
    }

    public static async Task<ProcessResult> InspectRawAsync(string image)
    {
        var skopeo = Requires.Tool("skopeo", "skopeo");
        return await ProcessRunner.RunAsync(skopeo, ["--policy", Policy.Value, "inspect", "--raw", "--cert-dir", TestCertificates.Instance.CaDirectory, image], TimeSpan.FromMinutes(1));
    }
}
