using YamlDotNet.RepresentationModel;

namespace Kindling.Config.Yaml;

/// <summary>
/// Collects diagnostics and the line of every YAML path visited while mapping a document: the state one load shares
/// between <see cref="YamlDocumentLoader"/> and the <see cref="YamlObject"/>s that walk the document. Every message
/// it records names the file, the line and the YAML path (<c>file:line: path: what</c>, see <see cref="ConfigDiagnostic"/>).
/// Public so that every Kindling file format (the ClusterConfig, the DCE manifest, the failover file in
/// <c>Kindling.Health</c>) reports its errors alike.
/// </summary>
public sealed class YamlContext(string file)
{
    private readonly List<ConfigDiagnostic> _diagnostics = [];
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    /// <summary>The file being read, as messages name it.</summary>
    public string File { get; } = file;

    /// <summary>Every error and warning so far, in the order found.</summary>
    public IReadOnlyList<ConfigDiagnostic> Diagnostics => _diagnostics;

    /// <summary>The line of every YAML path visited (1-based), for checks that run after the walk.</summary>
    public IReadOnlyDictionary<string, int> Lines => _lines;

    public bool HasErrors => _diagnostics.Exists(d => d.IsError);

    /// <summary>Records an error at <paramref name="node"/>'s line under the YAML <paramref name="path"/>.</summary>
    public void Error(YamlNode? node, string path, string message) =>
        Error(LineOf(node), path, message);

    public void Error(int line, string path, string message) =>
        _diagnostics.Add(new ConfigDiagnostic(File, line, path, message, DiagnosticSeverity.Error));

    public void Warning(YamlNode? node, string path, string message) =>
        _diagnostics.Add(new ConfigDiagnostic(File, LineOf(node), path, message, DiagnosticSeverity.Warning));

    /// <summary>Notes the line of <paramref name="path"/> (done by <see cref="YamlObject"/> for every key it sees).</summary>
    public void Remember(string path, YamlNode node) => _lines[path] = LineOf(node);

    /// <summary>The line of a visited path, or 0 when it was not visited.</summary>
    public int LineOf(string path) => _lines.TryGetValue(path, out var line) ? line : 0;

    public static int LineOf(YamlNode? node) => node is null ? 0 : (int)node.Start.Line;
}
