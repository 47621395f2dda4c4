using System.CommandLine;
using Kindling.Cli.Commands;

namespace Kindling.Cli;

/// <summary>The top-level commands, one line each.</summary>
internal static class CommandTable
{
    public static IEnumerable<Command> All()
    {
        yield return VersionCommand.Create();
        yield return ClusterCreateCommand.Create();
        yield return CertCommand.Create();
        yield return CaCommand.Create();
        yield return NodeCommand.Create();
        yield return PackageCommand.Create();
        yield return SyncCommand.Create();
        yield return VerifyCommand.Create();
        yield return ClientConfigCommand.Create();
        yield return DnsCommand.Create();
        yield return DemoCommand.Create();
        yield return FailoverCommand.Create();
    }
}
