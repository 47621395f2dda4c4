using System.Text.RegularExpressions;

namespace Kindling.Artifacts.Registry;

/// <summary>
/// Repository names and tags as the OCI Distribution Specification v1.1 defines them ("Pulling manifests"):
/// names are lowercase path components separated by '/', which rules out '..', '%', '\' and absolute paths, so
/// a valid name is also a safe relative folder path. Tags are <c>[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}</c>.
/// </summary>
public static partial class RepositoryNames
{
    /// <summary>Distribution's limit on the whole name.</summary>
    public const int MaxNameLength = 255;

    [GeneratedRegex("^[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    public static bool IsValidName(string name) => name.Length is > 0 and <= MaxNameLength && NamePattern().IsMatch(name);

    public static bool IsValidTag(string tag) => TagPattern().IsMatch(tag);

    public static void CheckName(string name)
    {
        if (!IsValidName(name))
        {
            throw new RegistryException(RegistryErrorCode.NameInvalid, 400,
                $"repository name '{Shorten(name)}' is invalid: use lowercase path components [a-z0-9] separated by '.', '_', '__', '-' or '/', at most {MaxNameLength} characters");
        }
    }

    internal static string Shorten(string text) => text.Length <= 100 ? text : text[..100] + "...";
}
