using Kindling.Testing;

namespace Kindling.Artifacts.Http.Tests.Support;

/// <summary>The real <c>./kindling node serve</c> in its own process, on 127.0.0.1 with free ports.</summary>
internal sealed class ServedNode : IDisposable
{
    private ServedNode(BackgroundProcess process, string data, int registry, int charts, int files)
    {
        Process = process;
        DataDirectory = data;
        RegistryPort = registry;
        ChartsPort = charts;
        FilesPort = files;
    }

    public BackgroundProcess Process { get; }
    public string DataDirectory { get; }
    public int RegistryPort { get; }
    public int ChartsPort { get; }
    public int FilesPort { get; }
    public string Registry => $"127.0.0.1:{RegistryPort}";

    public string Credentials => File.ReadAllText(Path.Combine(DataDirectory, "admin-credentials")).Trim();

    /// <summary>A folder with only the node's CA certificate, for skopeo's --cert-dir and curl's --cacert.</summary>
    public string CaDirectory
    {
        get
        {
            var dir = Path.Combine(DataDirectory, "..", Path.GetFileName(DataDirectory) + "-ca");
            Directory.CreateDirectory(dir);
            File.Copy(Path.Combine(DataDirectory, "pki", "ca.crt"), Path.Combine(dir, "ca.crt"), overwrite: true);
            return Path.GetFullPath(dir);
        }
    }

    public static async Task<ServedNode> StartAsync(string data, int? registry = null, int? charts = null, int? files = null)
    {
        int r = registry ?? FreePort.Tcp(), c = charts ?? FreePort.Tcp(), f = files ?? FreePort.Tcp();
        var process = BackgroundProcess.Start(Repository.KindlingScript,
            ["node", "serve", "--data", data, "--address", "127.0.0.1", "--registry-port", $"{r}", "--charts-port", $"{c}", "--files-port", $"{f}"]);
        try
        {
            await process.WaitForOutputAsync("CA certificate for clients", TimeSpan.FromMinutes(5));
        }
        catch
        {
            process.Dispose();
            throw;
        }

        return new ServedNode(process, data, r, c, f);
    }

    /// <summary>SIGKILL, as a crash or power cut would stop it (no cleanup runs).</summary>
    public async Task KillAsync()
    {
        Process.Signal(9);
        await Process.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    public void Dispose() => Process.Dispose();
}
