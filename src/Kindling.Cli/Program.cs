using System.CommandLine;
using Kindling.Cli;
using Spectre.Console;

// Tables and progress bars in color on a terminal; plain text when output goes to a file or a pipe (logs, CI).
if (Console.IsOutputRedirected)
{
    AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
}

// Each command lives in its own file under Commands/ and is registered here; commands parse and print,
// the libraries hold the logic.
var root = new RootCommand("Kindling keeps the bootstrap node of an air-gapped Kubernetes platform highly available.");
foreach (var command in CommandTable.All())
{
    root.Subcommands.Add(command);
}

return await CommandRunner.RunAsync(root, args);
