using System.CommandLine;
using System.Diagnostics;
using Kindling.Installer.Package;
using Kindling.Installer.Package.Sample;

namespace Kindling.Cli.Commands;

/// <summary><c>kindling package sample|build|verify|export</c>: the offline package (docs/offline-package.md).</summary>
internal static class PackageCommand
{
    public static Command Create()
    {
        var command = new Command("package", "Offline packages: write a sample, assemble one, verify one, export a node as one (docs/offline-package.md).");
        command.Subcommands.Add(Sample());
        command.Subcommands.Add(Build());
        command.Subcommands.Add(Verify());
        command.Subcommands.Add(PackageExportCommand.Create());
        return command;
    }

    private static Command Sample()
    {
        var output = new Option<string>("--out") { Description = "Folder to write offline/, the os-pkgs tar.gz, the ISO and README.txt into", Required = true };
        var size = new Option<string>("--size") { Description = "small (tests, demo) or large (20 images on a 20 MiB shared base, for benchmarks)", DefaultValueFactory = _ => "small" };
        size.AcceptOnlyFromAmong("small", "large");
        var command = new Command("sample", "Write a valid sample offline package, OS packages archive and ISO (pure C#, deterministic).") { output, size };
        command.SetAction(parse =>
        {
            var watch = Stopwatch.StartNew();
            var result = Run(() => SamplePackage.Write(parse.GetValue(output)!, parse.GetValue(size) == "large" ? SampleSize.Large : SampleSize.Small));
            Console.WriteLine($"wrote a sample package in {watch.Elapsed.TotalSeconds:0.0} s:");
            Console.WriteLine($"  fullPackagePath: {result.PackageDir} ({result.Images.Count} images, {result.Charts.Count} charts, {result.FileKeys.Count} files)");
            Console.WriteLine($"  osPackagePath:   {result.OsPackagePath} ({result.OsPackagesRpm})");
            Console.WriteLine($"  isoPath:         {result.IsoPath} ({result.IsoRpm})");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Build()
    {
        var output = new Option<string>("--out") { Description = "The new package folder (must not exist, or be empty)", Required = true };
        var images = new Option<string?>("--images") { Description = "An OCI image layout (index.json entries named by org.opencontainers.image.ref.name)" };
        var charts = new Option<string?>("--charts") { Description = "A folder of Helm chart archives (*.tgz)" };
        var files = new Option<string?>("--files") { Description = "A folder whose tree holds files at their original host paths" };
        var offlineFiles = new Option<string?>("--offline-files") { Description = "kubean's offline-files.tar.gz" };
        var version = new Option<string>("--version") { Description = "The package version", DefaultValueFactory = _ => "v0.0.0" };
        var command = new Command("build", "Assemble an offline package: copy the parts, write VERSION and checksums.sha256, verify.")
        {
            output, images, charts, files, offlineFiles, version,
        };
        command.SetAction(parse =>
        {
            var report = Run(() => PackageBuilder.Build(new PackageBuildRequest
            {
                OutputDir = parse.GetValue(output)!,
                ImagesLayout = parse.GetValue(images),
                ChartsDir = parse.GetValue(charts),
                FilesDir = parse.GetValue(files),
                OfflineFilesArchive = parse.GetValue(offlineFiles),
                Version = parse.GetValue(version)!,
            }));
            if (!report.Ok)
            {
                PrintProblems(report);
                Console.Error.WriteLine($"kindling: the parts do not make a valid package; nothing was written to {Path.GetFullPath(parse.GetValue(output)!)}");
                return ExitCodes.Failure;
            }

            Console.WriteLine($"built {Path.GetFullPath(parse.GetValue(output)!)}: {Summary(report)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Verify()
    {
        var dir = new Argument<string>("DIR") { Description = "The package folder (fullPackagePath)" };
        var osPackages = new Option<string?>("--os-packages") { Description = "Also check this os-pkgs tar.gz (osRepos.osPackagePath)" };
        var iso = new Option<string?>("--iso") { Description = "Also check this ISO (osRepos.isoPath)" };
        var command = new Command("verify", "Check every byte of a package: checksums, image blobs and digests, charts, archives, ISO. Exit 0 ok, 1 problems.")
        {
            dir, osPackages, iso,
        };
        command.SetAction(parse =>
        {
            var package = Run(() => OfflinePackage.Open(parse.GetValue(dir)!));
            var report = package.Verify(new PackageVerifyOptions { OsPackagePath = parse.GetValue(osPackages), IsoPath = parse.GetValue(iso) });
            if (!report.Ok)
            {
                PrintProblems(report);
                Console.Error.WriteLine($"kindling: {package.Directory}: {report.Problems.Count} problem(s); the package cannot be imported as it is");
                return ExitCodes.Failure;
            }

            Console.WriteLine($"ok: {package.Directory} (version {package.Version}): {Summary(report)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static string Summary(PackageReport report) =>
        $"{report.FilesChecked} files ({report.BytesChecked / 1048576.0:0.0} MiB) match checksums.sha256; {report.Images} images ({report.Blobs} blobs), {report.Charts} charts, {report.StoreFiles} store files";

    internal static void PrintProblems(PackageReport report)
    {
        foreach (var problem in report.Problems)
        {
            Console.Error.WriteLine(problem.ToString());
        }
    }

    /// <summary>A package that cannot be opened or built is bad input (exit 2).</summary>
    internal static T Run<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (PackageException e)
        {
            throw new UsageException(e.Message, located: true);
        }
    }
}
