namespace Kindling.Testing;

/// <summary>
/// The one wrapper of the real skopeo in the tests: a signature policy that accepts the test images, HOME in the temp
/// folder (skopeo keeps its auth file there), no retries (a failure shows at once), and TLS checked against a
/// folder holding only the test CA (never <c>--tls-verify=false</c>).
/// </summary>
public static class Skopeo
{
    private static readonly Lock CertDirGate = new();

    private static readonly Lazy<string> Policy = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), $"kindling-skopeo-policy-{Environment.ProcessId}.json");
        File.WriteAllText(path, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        return path;
    });

    /// <summary>The skopeo binary; the test fails loudly (naming the Debian package) when it is missing.</summary>
    public static string Tool => Requires.Tool("skopeo", "skopeo");

    /// <summary>Runs skopeo with the test policy and HOME.</summary>
    public static Task<ProcessResult> RunAsync(IEnumerable<string> args, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync(Tool, ["--policy", Policy.Value, .. args], timeout ?? TimeSpan.FromMinutes(4),
            env: new Dictionary<string, string> { ["HOME"] = Path.GetTempPath() });

    /// <summary>
    /// <c>skopeo copy</c> from <paramref name="source"/> to <paramref name="destination"/>, trusting the CA in
    /// <paramref name="certDir"/> on whichever side is a registry, pushing as <paramref name="destinationCredentials"/>
    /// (<c>user:password</c>) when given.
    /// </summary>
    public static Task<ProcessResult> CopyAsync(string source, string destination, string? certDir, string? destinationCredentials, params string[] extra)
    {
        var args = new List<string> { "copy", "--retry-times", "0" };
        if (certDir is not null)
        {
            args.AddRange(["--src-cert-dir", certDir, "--dest-cert-dir", certDir]);
        }

        if (destinationCredentials is not null)
        {
            args.AddRange(["--dest-creds", destinationCredentials]);
        }

        args.AddRange(extra);
        args.AddRange([source, destination]);
        return RunAsync(args);
    }

    /// <summary><c>skopeo inspect --raw</c>: the manifest's bytes as the registry serves them.</summary>
    public static Task<ProcessResult> InspectRawAsync(string image, string certDir) =>
        RunAsync(["inspect", "--raw", "--cert-dir", certDir, image], TimeSpan.FromMinutes(1));

    /// <summary>Makes <paramref name="folder"/> hold only <c>ca.crt</c> (a copy of <paramref name="caFile"/>), as skopeo's cert dirs want it.</summary>
    public static string CertDir(string caFile, string folder)
    {
        // Parallel pushes share the folder: one thread at a time, and a copy only when the CA changed (.NET refuses to
        // overwrite a file another thread of the process is reading).
        lock (CertDirGate)
        {
            Directory.CreateDirectory(folder);
            var target = Path.Combine(folder, "ca.crt");
            if (!File.Exists(target) || !File.ReadAllBytes(target).AsSpan().SequenceEqual(File.ReadAllBytes(caFile)))
            {
                File.Copy(caFile, target, overwrite: true);
            }
        }

        return folder;
    }
}
