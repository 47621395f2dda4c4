using Kindling.Config.Yaml;

namespace Kindling.Config;

/// <summary>Loads and validates a DCE manifest, reporting problems like <see cref="ClusterConfigLoader"/>.</summary>
public static class DceManifestLoader
{
    public static LoadResult<DceManifest> LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new LoadResult<DceManifest>(null, [new ConfigDiagnostic(path, 0, "", $"cannot read the file: {e.Message}", DiagnosticSeverity.Error)]);
        }

        return Load(text, path);
    }

    public static LoadResult<DceManifest> Load(string text, string file)
    {
        var context = new YamlContext(file);
        var root = YamlDocumentLoader.Load(text, context, "DCEManifest");
        if (root is null)
        {
            return new LoadResult<DceManifest>(null, context.Diagnostics);
        }

        var top = new YamlObject(root, "", context);
        var apiVersion = top.String("apiVersion");
        if (apiVersion != DceManifest.SupportedApiVersion)
        {
            context.Error(top.Raw("apiVersion") ?? root, "apiVersion", apiVersion is null
                ? $"missing; expected {DceManifest.SupportedApiVersion}"
                : $"\"{apiVersion}\" is not supported; expected {DceManifest.SupportedApiVersion}");
        }

        var kind = top.String("kind");
        if (kind != "DCEManifest")
        {
            context.Error(top.Raw("kind") ?? root, "kind", kind is null ? "missing; expected DCEManifest" : $"\"{kind}\" is not DCEManifest (is this a ClusterConfig? pass it with -c)");
        }

        top.Object("metadata");
        var global = top.Object("global");
        string? helmRepo = null, imageRepo = null;
        if (global is not null)
        {
            helmRepo = global.String("helmRepo");
            imageRepo = global.String("imageRepo");
            foreach (var key in global.Keys)
            {
                global.Raw(key); // other global settings (e.g. upgradeNoMaintenanceComponents) are DCE's own
            }
        }

        var manifest = new DceManifest
        {
            SourceFile = file,
            HelmRepo = helmRepo,
            ImageRepo = imageRepo,
            Infrastructures = ReadComponents(top.Object("infrastructures"), context),
            Components = ReadComponents(top.Object("components"), context),
        };
        top.ReportUnknownKeys();
        return new LoadResult<DceManifest>(manifest, context.Diagnostics);
    }

    private static Dictionary<string, ManifestComponent> ReadComponents(YamlObject? obj, YamlContext context)
    {
        var result = new Dictionary<string, ManifestComponent>(StringComparer.Ordinal);
        if (obj is null)
        {
            return result;
        }

        foreach (var name in obj.Keys.ToList())
        {
            var raw = obj.Raw(name);
            if (raw is null || YamlObject.IsNull(raw))
            {
                result[name] = new ManifestComponent { Name = name };
                continue;
            }

            var entry = obj.Object(name);
            if (entry is null)
            {
                continue;
            }

            var component = new ManifestComponent
            {
                Name = name,
                Enable = entry.Bool("enable") ?? false,
                HelmVersion = entry.String("helmVersion"),
                Version = entry.String("version"),
                HelmRepo = entry.String("helmRepo"),
                ImageRepo = entry.String("imageRepo"),
                Other = entry.Keys.Where(k => k is not ("enable" or "helmVersion" or "version" or "helmRepo" or "imageRepo"))
                    .ToDictionary(k => k, k => entry.Raw(k) is { } n ? ClusterConfigLoader.ToPlain(n) : null, StringComparer.Ordinal),
            };
            if (component.Enable && component.HelmVersion is null && component.Version is null)
            {
                context.Warning(raw, entry.Path, "enabled but names no helmVersion or version");
            }

            result[name] = component;
        }

        _ = context;
        return result;
    }
}
