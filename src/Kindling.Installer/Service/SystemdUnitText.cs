namespace Kindling.Installer.Service;

/// <summary>
/// Values written into a systemd unit file, escaped as systemd.syntax(7) and systemd.service(5) read them:
/// <c>%</c> starts a specifier everywhere (<c>%%</c> is a literal one), <c>$</c> starts a variable in Exec lines
/// (<c>$$</c>), a word with other than plain characters is double-quoted with C escapes, a lone <c>;</c> is <c>\;</c>.
/// A line break cannot be carried by any unit setting, so a value holding one is refused.
/// </summary>
internal static class SystemdUnitText
{
    /// <summary>One word of an <c>ExecStart=</c> line.</summary>
    public static string ExecWord(string value, string what) => Word(value, what, exec: true);

    /// <summary>One path of a list setting such as <c>ReadWritePaths=</c>.</summary>
    public static string PathWord(string value, string what) => Word(value, what, exec: false);

    /// <summary>Free text such as <c>Description=</c>: specifiers escaped, line breaks refused.</summary>
    public static string Text(string value, string what) => Checked(value, what).Replace("%", "%%", StringComparison.Ordinal);

    private static string Word(string value, string what, bool exec)
    {
        var escaped = Checked(value, what).Replace("%", "%%", StringComparison.Ordinal);
        if (exec)
        {
            escaped = escaped.Replace("$", "$$", StringComparison.Ordinal);
        }

        if (escaped == ";")
        {
            return "\\;";
        }

        return escaped.Length > 0 && escaped.All(c => char.IsAsciiLetterOrDigit(c) || "/-_.:=,@+%$".Contains(c, StringComparison.Ordinal))
            ? escaped
            : "\"" + escaped.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    private static string Checked(string value, string what) =>
        value.Any(c => c is '\n' or '\r' or '\0')
            ? throw new InstallerException($"{what} '{value.ReplaceLineEndings("\\n")}' contains a line break or NUL, which a systemd unit file cannot carry; choose a value without one")
            : value;
}
