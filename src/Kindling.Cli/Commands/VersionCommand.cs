using System.CommandLine;
using System.Reflection;

namespace Kindling.Cli.Commands;

internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print Kindling's version.");
        command.SetAction(_ =>
        {
            var version = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            Console.WriteLine($"kindling {version}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
