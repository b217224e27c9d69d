namespace P.IntegrationTests.Infrastructure;

/// <summary>Quoting for scripts the tests write themselves (run by /bin/sh, never a login shell).</summary>
internal static class PosixShell
{
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";

    public static bool IsVariableName(string name) =>
        name.Length > 0
        && !char.IsAsciiDigit(name[0])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
