using System.CommandLine;
using Kindling.Cli.Commands;

namespace Kindling.Cli;

/// <summary>The top-level commands, one line each.</summary>
internal static class CommandTable
{
    public static IEnumerable<Command> All()
    {
        yield return VersionCommand.Create();
        yield return DnsCommand.Create();
        yield return FailoverCommand.Create();
    }
}
