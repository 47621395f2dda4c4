using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Kindling.Installer.Network;
using Kindling.Installer.Pki;

namespace Kindling.Cli.Commands;

/// <summary><c>kindling cert issue|show</c>: the node's TLS certificate.</summary>
internal static class CertCommand
{
    public static Command Create()
    {
        var command = new Command("cert", "The bootstrap node's TLS certificate.");
        command.Subcommands.Add(Issue());
        command.Subcommands.Add(Show());
        return command;
    }

    private static Command Issue()
    {
        var config = new Option<string>("--config", "-c") { Description = "The ClusterConfig (bootstrapNode and additionalSSLSubjectAltName give the names)", Required = true };
        var data = new Option<string>("--data") { Description = "The node's data folder (certificates go to DATA/pki)", Required = true };
        var caFrom = new Option<string?>("--ca-from") { Description = "Import the primary's CA from this folder instead of creating one" };
        var tinderHostIp = new Option<string?>("--tinder-host-ip", "-t") { Description = "This node's IP, when it is not the one on the default route" };
        var command = new Command("issue", "Create the CA when the data folder has none (or import it), and issue the server certificate.")
        {
            config, data, caFrom, tinderHostIp,
        };
        command.SetAction(parse =>
        {
            var clusterConfig = InputFiles.LoadClusterConfig(parse.GetValue(config)!);
            var network = new SystemNodeNetwork();
            var nodeIp = NodeAddresses.Resolve(clusterConfig, InputFiles.ParseIp(parse.GetValue(tinderHostIp), "-t"), network);
            var sans = SubjectAltNames.For(clusterConfig, nodeIp.Address, network.LocalAddresses());
            var files = NodeCertificates.Ensure(parse.GetValue(data)!, sans, parse.GetValue(caFrom));
            Console.WriteLine(files.CaCreated ? $"CA created: {files.CaCertificatePath} (key {files.CaKeyPath}, mode 0600)"
                : files.CaImported ? $"CA imported from {parse.GetValue(caFrom)}: {files.CaCertificatePath}"
                : $"CA kept: {files.CaCertificatePath}");
            Console.WriteLine(files.ServerIssued ? $"server certificate issued: {files.ServerCertificatePath} (valid 10 years)"
                : $"server certificate kept (same names, same CA): {files.ServerCertificatePath}");
            Console.WriteLine($"SANs: {string.Join(", ", files.SubjectAltNames)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show()
    {
        var data = new Option<string>("--data") { Description = "The node's data folder", Required = true };
        var command = new Command("show", "Print the server certificate's subject, SANs and validity, and its CA.") { data };
        command.SetAction(parse =>
        {
            var files = NodeCertificateFiles.For(parse.GetValue(data)!);
            if (!File.Exists(files.ServerCertificatePath))
            {
                throw new PkiException($"{files.ServerCertificatePath}: no server certificate; run 'kindling cert issue' first");
            }

            using var server = X509CertificateLoader.LoadCertificateFromFile(files.ServerCertificatePath);
            Print("server certificate", files.ServerCertificatePath, CertificateDescription.Of(server));
            if (File.Exists(files.CaCertificatePath))
            {
                using var ca = files.LoadCaCertificate();
                Print("CA", files.CaCertificatePath, CertificateDescription.Of(ca));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Print(string what, string path, CertificateDescription d)
    {
        Console.WriteLine($"{what}: {path}");
        Console.WriteLine($"  subject      {d.Subject}");
        Console.WriteLine($"  issuer       {d.Issuer}");
        if (d.SubjectAltNames.Count > 0)
        {
            Console.WriteLine($"  SANs         {string.Join(", ", d.SubjectAltNames)}");
        }

        Console.WriteLine($"  valid        {d.NotBefore:yyyy-MM-dd HH:mm:ss}Z to {d.NotAfter:yyyy-MM-dd HH:mm:ss}Z");
        Console.WriteLine($"  sha256       {d.Sha256Fingerprint}");
    }
}
