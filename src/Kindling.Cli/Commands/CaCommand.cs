using System.CommandLine;
using Kindling.Installer.Pki;

namespace Kindling.Cli.Commands;

/// <summary><c>kindling ca export</c>: the installation's CA, to trust it or to carry it to the backup node.</summary>
internal static class CaCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "The node's data folder", Required = true };
        var withKey = new Option<bool>("--with-key") { Description = "Also write the CA's private key (for --ca-from on the backup node); needs --out" };
        var output = new Option<string?>("--out") { Description = "Write ca.crt (and ca.key with --with-key, mode 0600) into this folder" };
        var export = new Command("export", "Print the CA certificate (PEM), or write it with its key into a folder for the backup node.")
        {
            data, withKey, output,
        };
        export.SetAction(parse =>
        {
            var dataDir = parse.GetValue(data)!;
            var outDir = parse.GetValue(output);
            if (parse.GetValue(withKey) && outDir is null)
            {
                throw new UsageException("--with-key needs --out DIR: the private key is written to a file (mode 0600), never printed");
            }

            if (outDir is not null)
            {
                NodeCertificates.ExportCa(dataDir, outDir, parse.GetValue(withKey));
                Console.WriteLine($"wrote {Path.Combine(outDir, "ca.crt")}{(parse.GetValue(withKey) ? $" and {Path.Combine(outDir, "ca.key")} (0600)" : "")}; copy the folder to the backup node and pass it as --ca-from");
                return ExitCodes.Ok;
            }

            var files = NodeCertificateFiles.For(dataDir);
            if (!File.Exists(files.CaCertificatePath))
            {
                throw new PkiException($"{files.CaCertificatePath}: no CA in this data folder; run 'kindling cert issue' first");
            }

            Console.Write(File.ReadAllText(files.CaCertificatePath));
            return ExitCodes.Ok;
        });
        var command = new Command("ca", "The installation's certificate authority.");
        command.Subcommands.Add(export);
        return command;
    }
}
