namespace Kindling.Replication.Clients;

/// <summary>The client whose configuration <c>kindling client-config --format</c> writes.</summary>
public enum ClientConfigFormat
{
    /// <summary>containerd's <c>certs.d/&lt;host&gt;/hosts.toml</c> (containerd 1.5+ <c>config_path</c>).</summary>
    Containerd,

    /// <summary>CRI-O's <c>registries.conf</c> (containers-registries.conf(5), v2 format).</summary>
    Crio,

    /// <summary>podman's <c>registries.conf</c> (the same file format as CRI-O's).</summary>
    Podman,

    /// <summary>dnf/yum <c>.repo</c> files, one per OS repository the node serves.</summary>
    Dnf,

    /// <summary>apt <c>mirror+file:</c> sources and their mirror lists.</summary>
    Apt,

    /// <summary>kubean's <c>kubean-localservice</c> ConfigMap and kubespray's registry mirror variables.</summary>
    Kubean,

    /// <summary><c>/etc/resolv.conf</c> lines naming every DNS instance.</summary>
    Resolv,
}

/// <summary>Parsing of <c>--format</c>.</summary>
public static class ClientConfigFormats
{
    public static IReadOnlyList<string> Names { get; } = [.. Enum.GetValues<ClientConfigFormat>().Select(f => f.ToString().ToLowerInvariant())];

    public static ClientConfigFormat Parse(string text) =>
        Enum.TryParse<ClientConfigFormat>(text, ignoreCase: true, out var format) && Names.Contains(text.ToLowerInvariant())
            ? format
            : throw new ReplicationException($"--format {text}: not a known client; give one of {string.Join(", ", Names)}");
}
