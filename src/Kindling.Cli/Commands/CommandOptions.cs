using System.CommandLine;

namespace Kindling.Cli.Commands;

/// <summary>The one way a command takes its option set (each command's <c>Options.All</c>, or several concatenated).</summary>
internal static class CommandOptions
{
    /// <summary>Adds <paramref name="options"/> to <paramref name="command"/>, in order, and returns it.</summary>
    public static Command WithOptions(this Command command, IEnumerable<Option> options)
    {
        foreach (var option in options)
        {
            command.Options.Add(option);
        }

        return command;
    }
}
