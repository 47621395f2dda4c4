using System.Text;
using Kindling.Config;
using Kindling.Installer.Hosts;
using Kindling.Installer.Network;
using Kindling.Testing;

namespace Kindling.Installer.Tests.Hosts;

public class DomainNameModeTests
{
    private const string Domain = "www.tinder-node-server.com";
    private const string NodeIp = "172.30.41.193";
    private const string Original = "127.0.0.1\tlocalhost\n# keep this comment\n::1 localhost ip6-localhost\n";

    private static readonly ClusterConfig Primary =
        ClusterConfigLoader.LoadFile(Path.Combine(Repository.Samples, "clusterConfig.yaml")).GetValueOrThrow();

    private static async Task<HostsDecision> Decide(string hostsPath, FakeResolver resolver, bool force = false)
    {
        var network = new FakeNetwork("10.9.9.9");
        var nodeIp = NodeAddresses.Resolve(Primary, System.Net.IPAddress.Parse(NodeIp), network);
        return await new DomainNameMode(resolver, network).DecideAsync(Primary, nodeIp, hostsPath, force, CancellationToken.None);
    }

    [Fact]
    public async Task Decide_ResolvesToThisNode_DoesNothing()
    {
        using var dir = new TempDirectory();
        var hosts = dir.Write("hosts", Original);

        var decision = await Decide(hosts, new FakeResolver(new() { [Domain] = [NodeIp] }));

        Assert.Equal(HostsAction.ResolvesHere, decision.Action);
        Assert.False(DomainNameMode.Apply(decision));
        Assert.Equal(Original, File.ReadAllText(hosts));
    }

    [Fact]
    public async Task Decide_DoesNotResolve_AddsMarkedEntryKeepingEveryOtherLine()
    {
        using var dir = new TempDirectory();
        var hosts = dir.Write("hosts", Original);

        var decision = await Decide(hosts, new FakeResolver([]));

        Assert.Equal(HostsAction.AddEntry, decision.Action);
        Assert.True(DomainNameMode.Apply(decision));
        var text = File.ReadAllText(hosts);
        Assert.StartsWith(Original, text, StringComparison.Ordinal);
        Assert.Equal($"{HostsFile.BeginMarker}\n{NodeIp} {Domain}\n{HostsFile.EndMarker}\n", text[Original.Length..]);
    }

    [Fact]
    public async Task Decide_ResolvesElsewhere_RefusesAndLeavesTheFileAlone()
    {
        using var dir = new TempDirectory();
        var hosts = dir.Write("hosts", Original);

        var decision = await Decide(hosts, new FakeResolver(new() { [Domain] = ["172.30.41.194"] }));

        Assert.Equal(HostsAction.RefuseResolvesElsewhere, decision.Action);
        Assert.Contains("172.30.41.194", decision.Explanation, StringComparison.Ordinal);
        Assert.Contains("--force-hosts", decision.Explanation, StringComparison.Ordinal);
        Assert.Throws<InstallerException>(() => DomainNameMode.Apply(decision));
        Assert.Equal(Original, File.ReadAllText(hosts));
    }

    [Fact]
    public async Task Decide_ResolvesElsewhereWithForce_AddsTheEntry()
    {
        using var dir = new TempDirectory();
        var hosts = dir.Write("hosts", Original);

        var decision = await Decide(hosts, new FakeResolver(new() { [Domain] = ["172.30.41.194"] }), force: true);

        Assert.Equal(HostsAction.ForceEntry, decision.Action);
        Assert.True(DomainNameMode.Apply(decision));
        Assert.Contains($"{NodeIp} {Domain}", File.ReadAllText(hosts), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decide_SecondRun_ChangesNothing()
    {
        using var dir = new TempDirectory();
        var hosts = dir.Write("hosts", Original);
        DomainNameMode.Apply(await Decide(hosts, new FakeResolver([])));
        var afterFirst = File.ReadAllBytes(hosts);
        var written = File.GetLastWriteTimeUtc(hosts);

        var second = await Decide(hosts, new FakeResolver([]));

        Assert.Equal(HostsAction.AlreadyInHostsFile, second.Action);
        Assert.False(DomainNameMode.Apply(second));
        Assert.Equal(afterFirst, File.ReadAllBytes(hosts));
        Assert.Equal(written, File.GetLastWriteTimeUtc(hosts));
    }

    [Fact]
    public async Task Apply_WindowsLineEndingsAndComments_SurviveByteForByte()
    {
        using var dir = new TempDirectory();
        var original = "# Copyright (c) 1993-2009 Microsoft Corp.\r\n#\r\n127.0.0.1       localhost   # loopback\r\n\r\n10.0.0.5  build.example\t# trailing tab\r\n# no newline at end";
        var hosts = dir.File("hosts");
        File.WriteAllBytes(hosts, Encoding.UTF8.GetBytes(original));

        DomainNameMode.Apply(await Decide(hosts, new FakeResolver([])));

        var bytes = File.ReadAllBytes(hosts);
        var text = Encoding.UTF8.GetString(bytes);
        Assert.StartsWith(original, text, StringComparison.Ordinal);
        Assert.Equal($"\r\n{HostsFile.BeginMarker}\r\n{NodeIp} {Domain}\r\n{HostsFile.EndMarker}\r\n", text[original.Length..]);
    }

    [Fact]
    public async Task Apply_ExistingBlockWithOldAddress_IsReplacedInPlace()
    {
        using var dir = new TempDirectory();
        var before = "127.0.0.1 localhost\n";
        var after = "10.0.0.7 other\n";
        var hosts = dir.Write("hosts", $"{before}{HostsFile.BeginMarker}\n10.1.1.1 {Domain}\n{HostsFile.EndMarker}\n{after}");

        DomainNameMode.Apply(await Decide(hosts, new FakeResolver([])));

        Assert.Equal($"{before}{HostsFile.BeginMarker}\n{NodeIp} {Domain}\n{HostsFile.EndMarker}\n{after}", File.ReadAllText(hosts));
    }

    [Fact]
    public async Task Decide_UnmanagedLineForTheDomainElsewhere_RefusesNamingTheLine()
    {
        using var dir = new TempDirectory();
        var hosts = dir.Write("hosts", $"127.0.0.1 localhost\n10.4.4.4 {Domain}\n");

        var decision = await Decide(hosts, new FakeResolver([]));

        Assert.Equal(HostsAction.RefuseUnmanagedEntry, decision.Action);
        Assert.Contains($"{hosts}:2", decision.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_PreservesTheFileMode()
    {
        using var dir = new TempDirectory();
        var hosts = dir.Write("hosts", Original);
        File.SetUnixFileMode(hosts, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        DomainNameMode.Apply(await Decide(hosts, new FakeResolver([])));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(hosts));
        Assert.Equal(["hosts"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Decide_IpModeConfig_DoesNotResolveOrTouchTheFile()
    {
        var backup = ClusterConfigLoader.LoadFile(Path.Combine(Repository.Samples, "clusterConfig-backup.yaml")).GetValueOrThrow();
        var resolver = new FakeResolver([]);
        var network = new FakeNetwork("172.30.41.194");

        var decision = await new DomainNameMode(resolver, network)
            .DecideAsync(backup, NodeAddresses.Resolve(backup, null, network), "/nonexistent/hosts", false, CancellationToken.None);

        Assert.Equal(HostsAction.NotApplicable, decision.Action);
        Assert.Equal(0, resolver.Calls);
    }
}
