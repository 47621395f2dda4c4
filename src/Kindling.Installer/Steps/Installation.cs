using Kindling.Installer.Plan;

namespace Kindling.Installer.Steps;

/// <summary>
/// Runs the selected bootstrap-node steps in order. Each step is idempotent (content is addressed by digest, files
/// are replaced atomically), so a rerun changes nothing and a run interrupted at any point completes when run again.
/// </summary>
public sealed class Installation(IReadOnlyList<IInstallStep> steps)
{
    public static Installation Standard() =>
        new([new PrecheckStep(), new PkiStep(), new OsReposStep(), new FilesAndChartsStep(), new ImagesStep()]);

    public async Task RunAsync(InstallContext context, CancellationToken cancellationToken)
    {
        foreach (var step in steps.Where(s => context.Plan.Request.Steps.Includes(s.Number)).OrderBy(s => s.Number))
        {
            context.Log.StepStarted(step.Number, InstallStep.Titles[step.Number]);
            var summary = await step.RunAsync(context, cancellationToken);
            context.Log.StepFinished(step.Number, summary);
        }
    }
}
