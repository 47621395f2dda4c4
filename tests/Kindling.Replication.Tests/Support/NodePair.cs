using System.Text.Json;
using Kindling.Testing;

namespace Kindling.Replication.Tests.Support;

/// <summary>
/// The seed's two bootstrap nodes as real processes: the primary on 127.0.41.193 and the backup on
/// 127.0.41.194, the backup holding the primary's CA. Each test gets its own pair, data folders and ports.
/// </summary>
internal sealed class NodePair : IAsyncDisposable
{
    private NodePair(TempDirectory work, TestNode primary, TestNode backup)
    {
        Work = work;
        Primary = primary;
        Backup = backup;
    }

    public TempDirectory Work { get; }
    public TestNode Primary { get; }
    public TestNode Backup { get; }

    /// <param name="domain">When given, each node's certificate also names it (ClusterConfig additionalSSLSubjectAltName), as in the seed.</param>
    /// <param name="bothArgs">Extra <c>node serve</c> arguments for both nodes (e.g. <c>--iso</c>).</param>
    public static async Task<NodePair> StartAsync(string[]? backupArgs = null, Func<TestNode, string[]>? backupArgsFor = null, string? domain = null, string[]? bothArgs = null)
    {
        var work = new TempDirectory("kindling-repl");
        TestNode? primary = null;
        try
        {
            primary = await TestNode.StartAsync(TestNode.PrimaryAddress, work.File("primary"), [.. Config(work, TestNode.PrimaryAddress, domain), .. bothArgs ?? []]);
            var extra = backupArgsFor?.Invoke(primary) ?? backupArgs ?? [];
            var backup = await TestNode.StartAsync(TestNode.BackupAddress, work.File("backup"),
                ["--ca-from", primary.DataDirectory, .. Config(work, TestNode.BackupAddress, domain), .. bothArgs ?? [], .. extra]);
            return new NodePair(work, primary, backup);
        }
        catch
        {
            if (primary is not null)
            {
                await primary.DisposeAsync();
            }

            work.Dispose();
            throw;
        }
    }

    private static string[] Config(TempDirectory work, string address, string? domain)
    {
        if (domain is null)
        {
            return [];
        }

        var path = work.Write($"cluster-{address}.yaml", $"""
            apiVersion: provision.daocloud.io/v1alpha3
            kind: ClusterConfig
            spec:
              clusterName: replication
              bootstrapNode: {address}
              fullPackagePath: {work.Path}
              imagesAndCharts:
                type: builtin
                additionalSSLSubjectAltName: {domain}
            """);
        return ["-c", path];
    }

    /// <summary>Runs <c>kindling sync --from FROM --to TO --ca CA --to-credentials TO/admin-credentials --output json ARGS</c>.</summary>
    public static Task<ProcessResult> SyncAsync(TestNode from, TestNode to, params string[] extra) =>
        ProcessRunner.KindlingAsync(["sync", "--from", from.ChartsUrl, "--to", to.RegistryUrl, "--ca", from.CaFile,
            "--to-credentials", to.CredentialsFile, "--output", "json", .. extra]);

    /// <summary>The JSON summary of a sync, after checking its exit code.</summary>
    public static JsonElement Summary(ProcessResult result, int expectedExit = 0)
    {
        Assert.True(result.ExitCode == expectedExit, $"kindling sync: expected exit {expectedExit}: {result}");
        using var json = JsonDocument.Parse(result.StdOut);
        return json.RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        await Backup.DisposeAsync();
        await Primary.DisposeAsync();
        Work.Dispose();
    }
}
