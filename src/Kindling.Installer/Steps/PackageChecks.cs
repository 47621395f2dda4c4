namespace Kindling.Installer.Steps;

/// <summary>The offline package checks step 1 runs before anything is imported.</summary>
internal static class PackageChecks
{
    public static IEnumerable<string> Verify(string packageDirectory)
    {
        var index = Path.Combine(packageDirectory, "images", "index.json");
        if (!File.Exists(index))
        {
            yield return $"{index}: missing; an offline package holds its images as an OCI image layout in images/";
        }
    }
}
