namespace Kindling.Config;

public enum DiagnosticSeverity
{
    Error,
    Warning,
}

/// <summary>
/// One finding about an input file, located by file, line and YAML path, e.g.
/// <c>clusterConfig.yaml:12: spec.masterNodes[0].ip: "300.1.1.1" is not an IP address</c>.
/// </summary>
public sealed record ConfigDiagnostic(string File, int Line, string Path, string Message, DiagnosticSeverity Severity)
{
    public bool IsError => Severity == DiagnosticSeverity.Error;

    public override string ToString()
    {
        var where = Line > 0 ? $"{File}:{Line}" : File;
        var kind = Severity == DiagnosticSeverity.Warning ? "warning: " : "";
        return Path.Length > 0 ? $"{where}: {kind}{Path}: {Message}" : $"{where}: {kind}{Message}";
    }
}

/// <summary>The outcome of loading a file: the value when there were no errors, and every diagnostic.</summary>
public sealed class LoadResult<T>
    where T : class
{
    public LoadResult(T? value, IReadOnlyList<ConfigDiagnostic> diagnostics)
    {
        Diagnostics = diagnostics;
        Value = diagnostics.Any(d => d.IsError) ? null : value;
    }

    public T? Value { get; }

    public IReadOnlyList<ConfigDiagnostic> Diagnostics { get; }

    public IEnumerable<ConfigDiagnostic> Errors => Diagnostics.Where(d => d.IsError);

    public IEnumerable<ConfigDiagnostic> Warnings => Diagnostics.Where(d => !d.IsError);

    public bool Succeeded => Value is not null;

    /// <summary>The value, or an exception that lists every error.</summary>
    public T GetValueOrThrow() =>
        Value ?? throw new ConfigException(Errors.ToList());
}

/// <summary>Thrown when an input file is invalid; the message lists each error on its own line.</summary>
internal sealed class ConfigException : Exception
{
    public ConfigException(IReadOnlyList<ConfigDiagnostic> errors)
        : base(string.Join(Environment.NewLine, errors.Select(e => e.ToString())))
    {
        Errors = errors;
    }

    public ConfigException(string message)
        : base(message)
    {
        Errors = [];
    }

    public ConfigException(string message, Exception inner)
        : base(message, inner)
    {
        Errors = [];
    }

    public ConfigException()
        : this("invalid configuration")
    {
    }

    public IReadOnlyList<ConfigDiagnostic> Errors { get; }
}
