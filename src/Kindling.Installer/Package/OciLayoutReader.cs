using System.Text.Json;
using Kindling.Artifacts.Registry;
using Kindling.Artifacts.Storage;

namespace Kindling.Installer.Package;

/// <summary>
/// Reads an OCI image layout's <c>oci-layout</c> and <c>index.json</c> and the JSON of manifests and indexes
/// (OCI Image Format Specification v1.1: "image-layout.md", "image-index.md", "manifest.md").
/// </summary>
internal static class OciLayoutReader
{
    private const int MaxJson = 4 << 20;

    /// <summary>The named images of a layout; problems name <paramref name="prefix"/>-relative files.</summary>
    public static List<PackageImage> ReadIndex(string layoutDir, string prefix, List<PackageProblem> problems)
    {
        CheckLayoutFile(layoutDir, prefix, problems);
        var indexFile = Path.Combine(layoutDir, "index.json");
        if (!File.Exists(indexFile))
        {
            problems.Add(new PackageProblem($"{prefix}index.json", "missing: the OCI layout has no index of its images"));
            return [];
        }

        var errors = new List<string>();
        if (Parse(indexFile, out var indexError) is not { } index)
        {
            problems.Add(new PackageProblem($"{prefix}index.json", indexError));
            return [];
        }

        using (index)
        {
            var entries = Children(index.RootElement, ManifestDocument.OciIndex, errors);
            foreach (var error in errors)
            {
                problems.Add(new PackageProblem($"{prefix}index.json", error));
            }

            return NamedImages(entries, $"{prefix}index.json", problems);
        }
    }

    /// <summary>The layout's <c>oci-layout</c> file: present, JSON, imageLayoutVersion "1.0.0".</summary>
    private static void CheckLayoutFile(string layoutDir, string prefix, List<PackageProblem> problems)
    {
        var layoutFile = Path.Combine(layoutDir, "oci-layout");
        if (!File.Exists(layoutFile))
        {
            problems.Add(new PackageProblem($"{prefix}oci-layout", "missing: the images folder must be an OCI image layout (oci-layout, index.json, blobs/)"));
        }
        else if (Parse(layoutFile, out var layoutError) is not { } layout)
        {
            problems.Add(new PackageProblem($"{prefix}oci-layout", layoutError));
        }
        else if (!layout.RootElement.TryGetProperty("imageLayoutVersion", out var v) || v.ValueKind != JsonValueKind.String || v.GetString() != "1.0.0")
        {
            problems.Add(new PackageProblem($"{prefix}oci-layout", "imageLayoutVersion must be \"1.0.0\""));
        }
    }

    /// <summary>The index entries as images: each needs a full reference in its ref.name annotation, named once.</summary>
    private static List<PackageImage> NamedImages(List<Descriptor> entries, string where, List<PackageProblem> problems)
    {
        var images = new List<PackageImage>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (entry.Annotations?.TryGetValue(PackageLayout.RefNameAnnotation, out var reference) != true || reference is null)
            {
                problems.Add(new PackageProblem(where, $"manifests[{i}] ({entry.Digest}) has no {PackageLayout.RefNameAnnotation} annotation: the installer cannot tell which image it is"));
                continue;
            }

            if (!PackageImage.TryParseReference(reference, out var repository, out var tag))
            {
                problems.Add(new PackageProblem(where, $"manifests[{i}] ({entry.Digest}): '{reference}' is not a full image reference such as release.daocloud.io/kpanda/apiserver:v0.20.0"));
                continue;
            }

            if (seen.TryGetValue(reference, out var first))
            {
                problems.Add(new PackageProblem(where, $"manifests[{i}]: '{reference}' is named twice (also manifests[{first}])"));
                continue;
            }

            seen[reference] = i;
            images.Add(new PackageImage(reference, repository, tag, entry));
        }

        return images;
    }

    /// <summary>The descriptors an index (its manifests) or a manifest (its config and layers) refers to.</summary>
    public static List<Descriptor> Children(JsonElement root, string mediaType, List<string> errors)
    {
        var children = new List<Descriptor>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add("not a JSON object");
            return children;
        }

        if (!root.TryGetProperty("schemaVersion", out var schema) || schema.ValueKind != JsonValueKind.Number || schema.GetInt32() != 2)
        {
            errors.Add("schemaVersion must be 2");
        }

        var isIndex = mediaType is ManifestDocument.OciIndex or ManifestDocument.DockerManifestList;
        if (isIndex)
        {
            ReadArray(root, "manifests", children, errors, required: true);
            return children;
        }

        if (!root.TryGetProperty("config", out var config))
        {
            errors.Add("manifest has no config descriptor");
        }
        else if (ReadDescriptor(config, "config", errors) is { } c)
        {
            children.Add(c);
        }

        ReadArray(root, "layers", children, errors, required: true);
        return children;
    }

    public static JsonDocument? Parse(string path, out string error)
    {
        error = "";
        var info = new FileInfo(path);
        if (info.Length > MaxJson)
        {
            error = $"{info.Length} bytes: too large for a JSON document of an image layout";
            return null;
        }

        var bytes = File.ReadAllBytes(path);
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            // JsonDocument checks string encoding only when a string is read (found by fuzz/Kindling.Installer.Fuzz).
            error = "not valid UTF-8, so not a JSON document";
            return null;
        }

        try
        {
            return JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            error = $"invalid JSON at line {(e.LineNumber ?? 0) + 1}: {e.Message}";
            return null;
        }
    }

    private static void ReadArray(JsonElement root, string property, List<Descriptor> into, List<string> errors, bool required)
    {
        if (!root.TryGetProperty(property, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            if (required)
            {
                errors.Add($"'{property}' is missing or not an array");
            }

            return;
        }

        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (ReadDescriptor(item, $"{property}[{i}]", errors) is { } d)
            {
                into.Add(d);
            }

            i++;
        }
    }

    private static Descriptor? ReadDescriptor(JsonElement e, string where, List<string> errors)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{where} is not a descriptor object");
            return null;
        }

        var mediaType = e.TryGetProperty("mediaType", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        var digestText = e.TryGetProperty("digest", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        long size = -1;
        if (e.TryGetProperty("size", out var s) && s.ValueKind == JsonValueKind.Number)
        {
            s.TryGetInt64(out size);
        }

        if (string.IsNullOrEmpty(mediaType))
        {
            errors.Add($"{where} has no mediaType");
            return null;
        }

        if (!Digest.TryParse(digestText, out var digest, out _))
        {
            errors.Add($"{where}: {DigestProblem(digestText)}");
            return null;
        }

        if (size < 0)
        {
            errors.Add($"{where} ({digest}) has no valid size");
            return null;
        }

        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        if (e.TryGetProperty("annotations", out var a) && a.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in a.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.String)
                {
                    annotations[p.Name] = p.Value.GetString()!;
                }
            }
        }

        string? platform = null;
        if (e.TryGetProperty("platform", out var p2) && p2.ValueKind == JsonValueKind.Object)
        {
            string Field(string name) => p2.TryGetProperty(name, out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : "";
            platform = string.Join('/', new[] { Field("os"), Field("architecture"), Field("variant") }.Where(x => x.Length > 0));
        }

        return new Descriptor(mediaType, digest.Value, size, Annotations: annotations) { Platform = platform };
    }

    /// <summary>Why a descriptor's digest text is not a package digest (sha256, 64 lowercase hex digits).</summary>
    private static string DigestProblem(string? text)
    {
        var colon = text?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (text is null || colon <= 0)
        {
            return $"'{text}' is not a digest (expected sha256:<64 hex digits>)";
        }

        var algorithm = text[..colon];
        return algorithm != Digest.Algorithm
            ? $"digest '{text}' uses {algorithm}; packages use sha256 only"
            : $"digest '{text}' is not sha256:<64 lowercase hex digits>";
    }
}
