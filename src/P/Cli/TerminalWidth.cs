using System.Globalization;

namespace P.Cli;

/// <summary>How many columns a table may use: null when stdout is not a terminal (never truncate for pipes).</summary>
internal static class TerminalWidth
{
    public const int Fallback = 80;

    public static int? Of(PContext context) => Of(context, TerminalSize.Columns);

    /// <summary>COLUMNS wins, as in ls and git, so a user can ask for a width the terminal does not report.</summary>
    public static int? Of(PContext context, Func<int> windowWidth)
    {
        if (!context.StdoutIsTerminal)
        {
            return null;
        }
        if (context.GetEnv("COLUMNS") is { Length: > 0 } text
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var columns)
            && columns > 0)
        {
            return columns;
        }
        try
        {
            var width = windowWidth();
            return width > 0 ? width : Fallback;
        }
        catch (Exception)
        {
            // A terminal that will not say its size (a serial console, an odd
            // pty) is no reason to fail a listing.
            return Fallback;
        }
    }
}
