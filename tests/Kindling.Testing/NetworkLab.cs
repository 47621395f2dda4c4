using System.Diagnostics;

namespace Kindling.Testing;

/// <summary>
/// Hosts in network namespaces made by the test itself (root only): one namespace per host, each with an
/// <c>eth0</c> veth joined to a bridge that lives in a namespace of its own, on one /24. Nothing touches the
/// machine's own interfaces; disposing deletes every namespace (and with them the veths and the bridge).
/// </summary>
public sealed class NetworkLab : IAsyncDisposable
{
    private readonly string _id;
    private readonly Dictionary<string, string> _namespaces = new(StringComparer.Ordinal);
    private readonly List<Process> _processes = [];
    private readonly List<string> _netnsFiles = [];

    private NetworkLab(string id)
    {
        _id = id;
    }

    private string BridgeNamespace => $"kl{_id}br";

    public string Namespace(string host) => _namespaces[host];

    /// <summary>Creates the lab; <paramref name="hosts"/> maps host names to addresses with prefix (172.30.41.193/24).</summary>
    public static async Task<NetworkLab> CreateAsync(IReadOnlyDictionary<string, string> hosts)
    {
        Requires.Root("network namespaces (ip netns add) need root");
        var ip = Requires.Tool("ip", "iproute2");
        var lab = new NetworkLab(Guid.NewGuid().ToString("N")[..6]);
        try
        {
            await lab.Ip(ip, "netns", "add", lab.BridgeNamespace);
            await lab.Ip(ip, "-n", lab.BridgeNamespace, "link", "add", "br0", "type", "bridge");
            await lab.Ip(ip, "-n", lab.BridgeNamespace, "link", "set", "br0", "up");
            await lab.Ip(ip, "-n", lab.BridgeNamespace, "link", "set", "lo", "up");
            var index = 0;
            foreach (var (host, address) in hosts)
            {
                var ns = $"kl{lab._id}{index}";
                var outside = $"v{lab._id}{index}";
                await lab.Ip(ip, "netns", "add", ns);
                lab._namespaces[host] = ns;
                await lab.Ip(ip, "-n", ns, "link", "set", "lo", "up");
                await lab.Ip(ip, "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", outside, "netns", lab.BridgeNamespace);
                await lab.Ip(ip, "-n", lab.BridgeNamespace, "link", "set", outside, "master", "br0");
                await lab.Ip(ip, "-n", lab.BridgeNamespace, "link", "set", outside, "up");
                await lab.Ip(ip, "-n", ns, "addr", "add", address, "dev", "eth0");
                await lab.Ip(ip, "-n", ns, "link", "set", "eth0", "up");
                index++;
            }
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }

        return lab;
    }

    /// <summary>
    /// Makes programs in a host's namespace resolve names through <paramref name="nameserver"/> only: iproute2 bind-mounts
    /// /etc/netns/NAMESPACE/resolv.conf over /etc/resolv.conf for <c>ip netns exec</c>. The file is removed on dispose.
    /// </summary>
    public void UseNameserver(string host, string nameserver)
    {
        var dir = Path.Combine("/etc/netns", Namespace(host));
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "resolv.conf"), $"nameserver {nameserver}\noptions timeout:1 attempts:2\n");
        File.WriteAllText(Path.Combine(dir, "hosts"), "127.0.0.1 localhost\n");
        _netnsFiles.Add(dir);
    }

    /// <summary>
    /// Like <see cref="UseNameserver"/> with several servers, as <c>kindling client-config --format resolv</c> writes them:
    /// <c>options timeout:1 attempts:2 rotate</c>.
    /// </summary>
    public void UseNameservers(string host, IEnumerable<string> nameservers)
    {
        var dir = Path.Combine("/etc/netns", Namespace(host));
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "resolv.conf"), string.Concat(nameservers.Select(n => $"nameserver {n}\n")) + "options timeout:1 attempts:2 rotate\n");
        File.WriteAllText(Path.Combine(dir, "hosts"), "127.0.0.1 localhost\n");
        _netnsFiles.Add(dir);
    }

    /// <summary>
    /// Cuts only the traffic between a host and <paramref name="addresses"/> (both ways, silently dropped by nftables in
    /// the host's namespace); <see cref="UnblockAsync"/> restores it. The host's other traffic flows.
    /// </summary>
    public async Task BlockAsync(string host, params string[] addresses)
    {
        var nft = Requires.Tool("nft", "nftables");
        var set = string.Join(", ", addresses);
        var script = $"table inet kindlingcut {{\n chain o {{ type filter hook output priority 0; ip daddr {{ {set} }} drop; }}\n chain i {{ type filter hook input priority 0; ip saddr {{ {set} }} drop; }}\n}}\n";
        var result = await ProcessRunner.RunAsync("ip", ["netns", "exec", Namespace(host), nft, script]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"nft in {host}: {result}");
        }
    }

    public async Task UnblockAsync(string host)
    {
        var nft = Requires.Tool("nft", "nftables");
        await ProcessRunner.RunAsync("ip", ["netns", "exec", Namespace(host), nft, "delete table inet kindlingcut"]);
    }

    /// <summary>Cuts a host's link: its packets go nowhere, and peers see timeouts, not refusals.</summary>
    public Task LinkDownAsync(string host) => Ip("ip", "-n", Namespace(host), "link", "set", "eth0", "down");

    public Task LinkUpAsync(string host) => Ip("ip", "-n", Namespace(host), "link", "set", "eth0", "up");

    /// <summary>Runs a command in a host's namespace to completion.</summary>
    public Task<ProcessResult> RunAsync(string host, string file, IEnumerable<string> args, TimeSpan? timeout = null, IDictionary<string, string>? env = null) =>
        ProcessRunner.RunAsync("ip", new[] { "netns", "exec", Namespace(host), file }.Concat(args), timeout, env: env);

    /// <summary>Starts a long-running command in a host's namespace (ip netns exec execs it, so the PID is the command's).</summary>
    public Process Start(string host, string file, IEnumerable<string> args, string logPath, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec ip netns exec \"$0\" \"$@\" >>\"$KINDLING_LAB_LOG\" 2>&1 </dev/null");
        psi.ArgumentList.Add(Namespace(host));
        psi.ArgumentList.Add(file);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["KINDLING_LAB_LOG"] = logPath;
        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                psi.Environment[k] = v;
            }
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file} in {host}");
        _processes.Add(process);
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }

        foreach (var ns in _namespaces.Values.Append(BridgeNamespace))
        {
            await ProcessRunner.RunAsync("ip", ["netns", "del", ns]);
        }

        foreach (var dir in _netnsFiles)
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private async Task Ip(string ip, params string[] args)
    {
        var result = await ProcessRunner.RunAsync(ip, args, TimeSpan.FromSeconds(30));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)} failed: {result.StdErr}");
        }
    }
}
