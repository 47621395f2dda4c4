using System.CommandLine;
using Kindling.Cli;

// Each command lives in its own file under Commands/ and is registered here; commands parse and print,
// the libraries hold the logic.
var root = new RootCommand("Kindling keeps the bootstrap node of an air-gapped Kubernetes platform highly available.");
foreach (var command in CommandTable.All())
{
    root.Subcommands.Add(command);
}

return await CommandRunner.RunAsync(root, args);
