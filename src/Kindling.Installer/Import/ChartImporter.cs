using Kindling.Artifacts.Charts;
using Kindling.Artifacts.Storage;
using Kindling.Installer.Package;

namespace Kindling.Installer.Import;

/// <summary>
/// Puts package charts into the node's chart repository: a version it already holds with the same archive digest
/// is left alone; a version whose archive differs (a rebuilt chart in an upgrade package) is replaced.
/// </summary>
internal sealed class ChartImporter(ChartStore store)
{
    public ContentReport Import(IEnumerable<PackageChart> charts)
    {
        int added = 0, changed = 0, unchanged = 0;
        long written = 0;
        foreach (var chart in charts)
        {
            var archive = File.ReadAllBytes(chart.FullPath);
            var existing = store.Find(chart.Name, chart.Version);
            if (existing is not null && existing.Digest == Digest.Of(archive))
            {
                unchanged++;
                continue;
            }

            try
            {
                store.Put(archive, force: existing is not null);
            }
            catch (Exception e) when (e is ChartConflictException or InvalidDataException or FormatException)
            {
                throw new InstallerException($"{chart.FullPath}: refused by the chart repository: {e.Message}");
            }
            catch (StorageFullException e)
            {
                throw new InstallerException($"importing {chart.FullPath}: {e.Message}");
            }

            written += archive.Length;
            _ = existing is null ? added++ : changed++;
        }

        return new ContentReport(added, changed, unchanged, written);
    }
}
