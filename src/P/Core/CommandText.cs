using System.Text.RegularExpressions;
using P.Transport;

namespace P.Core;

/// <summary>How a job's command is shown to people (ls, status bar, the worker's `cmd` file).</summary>
internal static partial class CommandText
{
    /// <summary>One word is a shell command line and is shown as typed; an argv is quoted where needed.</summary>
    public static string Display(IReadOnlyList<string> argv) => argv.Count == 1
        ? argv[0]
        : string.Join(' ', argv.Select(w => Plain().IsMatch(w) ? w : ShellQuote.Quote(w)));

    public static string Truncate(string text, int width)
    {
        var flat = text.ReplaceLineEndings(" ");
        return flat.Length <= width ? flat : flat[..Math.Max(0, width - 1)] + "…";
    }

    [GeneratedRegex(@"^[A-Za-z0-9_./=:,+@%-]+\z")]
    private static partial Regex Plain();
}
