using YamlDotNet.RepresentationModel;

namespace Kindling.Config.Yaml;

/// <summary>Collects diagnostics and the line of every YAML path visited while mapping a document.</summary>
internal sealed class YamlContext(string file)
{
    private readonly List<ConfigDiagnostic> _diagnostics = [];
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    public string File { get; } = file;

    public IReadOnlyList<ConfigDiagnostic> Diagnostics => _diagnostics;

    public IReadOnlyDictionary<string, int> Lines => _lines;

    public bool HasErrors => _diagnostics.Exists(d => d.IsError);

    public void Error(YamlNode? node, string path, string message) =>
        Error(LineOf(node), path, message);

    public void Error(int line, string path, string message) =>
        _diagnostics.Add(new ConfigDiagnostic(File, line, path, message, DiagnosticSeverity.Error));

    public void Warning(YamlNode? node, string path, string message) =>
        _diagnostics.Add(new ConfigDiagnostic(File, LineOf(node), path, message, DiagnosticSeverity.Warning));

    public void Remember(string path, YamlNode node) => _lines[path] = LineOf(node);

    public int LineOf(string path) => _lines.TryGetValue(path, out var line) ? line : 0;

    public static int LineOf(YamlNode? node) => node is null ? 0 : (int)node.Start.Line;
}
