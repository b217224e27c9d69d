namespace P.Cli;

/// <summary>ANSI SGR colours, used only on a terminal and never when NO_COLOR (no-color.org) is set.</summary>
internal static class Colors
{
    public const string Green = "32";
    public const string Red = "31";
    public const string Yellow = "33";
    public const string Cyan = "36";
    public const string Magenta = "35";
    public const string Dim = "2";

    private const string Escape = "\u001b[";
    private const string Reset = Escape + "0m";

    public static bool Enabled(PContext context) =>
        context.StdoutIsTerminal
        && string.IsNullOrEmpty(context.GetEnv("NO_COLOR"))
        && context.GetEnv("TERM") != "dumb";

    public static string Paint(string text, string sgr) => $"{Escape}{sgr}m{text}{Reset}";
}
