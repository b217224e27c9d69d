using System.Globalization;
using System.Text;

namespace P.Transport;

/// <summary>
/// The fixed command p gives ssh. Whatever the login shell, it only sees this
/// single-quoted text with no '!', no newline, no quote and no double backslash,
/// the only things fish or tcsh would reinterpret there. The real argv follows on stdin: a byte count on one line, then
/// the words quoted by <see cref="ShellQuote"/>. A marker line, on stdout and on stderr, separates any
/// greeting the login shell printed from the program's own output.
/// </summary>
internal static class RemoteBootstrap
{
    public const string Marker = "\nP-AGENT-GO-1\n";

    public const string Command =
        "sh -c 'cd || exit 1; IFS= read -r n || exit 1; a=$(dd bs=1 count=\"$n\" 2>/dev/null); " +
        "eval \"set -- $a\"; printf \"\\nP-AGENT-GO-1\\n\"; printf \"\\nP-AGENT-GO-1\\n\" >&2; exec \"$@\"'";

    /// <summary>For a terminal session, where stdin is the user's keyboard: safe words only.</summary>
    public static string TerminalCommand(IReadOnlyList<string> argv) =>
        "sh -c 'cd || exit 1; exec \"$@\"' p " + string.Join(' ', argv.Select(SafeWord.Check));

    public static byte[] Header(IReadOnlyList<string> argv)
    {
        var words = Encoding.UTF8.GetBytes(ShellQuote.Join(argv));
        var count = Encoding.ASCII.GetBytes(words.Length.ToString(CultureInfo.InvariantCulture) + "\n");
        return [.. count, .. words];
    }
}
