namespace Kindling.Replication.Clients;

/// <summary>
/// <c>kindling client-config</c>: the configuration that lets a client fall back from the domain to each node by
/// address, so a request in flight at a failover or a node drained for maintenance moves on instead of failing.
/// </summary>
public static class ClientConfig
{
    /// <summary>Whether a format lists the node's OS repositories (and so reads its file store).</summary>
    public static bool NeedsRepositories(ClientConfigFormat format) => format is ClientConfigFormat.Dnf or ClientConfigFormat.Apt or ClientConfigFormat.Kubean;

    /// <param name="containerdVersion">The clients' containerd (major.minor): 2.1+ gets a per-host dial_timeout.</param>
    public static IReadOnlyList<GeneratedFile> Write(ClientConfigFormat format, ClientTopology topology, Version? containerdVersion = null) => format switch
    {
        ClientConfigFormat.Containerd => ContainerdHosts.Write(topology, containerdVersion is { } v && v >= new Version(2, 1)),
        ClientConfigFormat.Crio => RegistriesConf.Write(topology, "CRI-O"),
        ClientConfigFormat.Podman => RegistriesConf.Write(topology, "podman"),
        ClientConfigFormat.Dnf => DnfRepoFiles.Write(topology),
        ClientConfigFormat.Apt => AptSources.Write(topology),
        ClientConfigFormat.Kubean => KubeanConfig.Write(topology),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "resolv is written by WriteResolv"),
    };

    public static IReadOnlyList<GeneratedFile> WriteResolv(IReadOnlyList<System.Net.IPAddress> servers) => ResolvConf.Write(servers);

    /// <summary>Writes the files under <paramref name="folder"/> (created as needed); returns their full paths.</summary>
    public static IReadOnlyList<string> Save(IReadOnlyList<GeneratedFile> files, string folder)
    {
        var written = new List<string>();
        foreach (var file in files)
        {
            var path = Path.Combine(Path.GetFullPath(folder), file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, file.Text);
            written.Add(path);
        }

        return written;
    }

    /// <summary>All files as one text: each under a <c># ==&gt; PATH &lt;==</c> line when there are several.</summary>
    public static string Render(IReadOnlyList<GeneratedFile> files) =>
        files.Count == 1 ? files[0].Text : string.Join("\n", files.Select(f => $"# ==> {f.Path} <==\n{f.Text}"));
}
