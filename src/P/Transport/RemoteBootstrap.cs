using System.Text;
using P.Cli;

namespace P.Transport;

/// <summary>
/// The command p gives ssh: a fixed script, then one word, the argv quoted by
/// <see cref="ShellQuote"/> and base64-encoded. Whatever the login shell, it
/// only sees the script in single quotes with no '!', no newline, no quote and
/// no backslash pair (the only things fish or tcsh would reinterpret there)
/// and a word of the base64 alphabet, which no shell reinterprets. The argv
/// does not travel on stdin because sshd opens a session's stdin only once the
/// command runs: reading it there costs a round trip. A marker line, on stdout
/// and on stderr, separates any greeting the login shell printed from the
/// program's own output. An argv `sh -c CMD NAME ARGS...` runs CMD in the
/// bootstrap's own shell, with ARGS as its parameters: one exec less.
/// </summary>
internal static class RemoteBootstrap
{
    public const string Marker = "\nP-AGENT-GO-1\n";

    /// <summary>Linux takes at most 128 KiB in one argument, and the login shell gets the whole command as one.</summary>
    public const int MaxEncodedLength = 96 * 1024;

    public const string Script =
        "cd || exit 1; a=$(printf %s \"$1\" | base64 -d) || exit 1; eval \"set -- $a\"; " +
        "printf \"\\nP-AGENT-GO-1\\n\"; printf \"\\nP-AGENT-GO-1\\n\" >&2; " +
        // `sh -c CMD NAME ARGS...` (the agent's launcher) runs in this shell: one exec less.
        "if [ $# -ge 4 ] && [ \"$1\" = sh ] && [ \"$2\" = -c ]; then c=$3; shift 4; eval \"$c\"; exit; fi; exec \"$@\"";

    /// <summary>The remote command that runs <paramref name="argv"/> in the home directory, whatever the login shell.</summary>
    public static string Command(IReadOnlyList<string> argv) => $"sh -c '{Script}' p {Encode(argv)}";

    public static string Encode(IReadOnlyList<string> argv)
    {
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(ShellQuote.Join(argv)));
        return encoded.Length <= MaxEncodedLength
            ? encoded
            : throw new UserError($"the command is too long to send to a worker ({encoded.Length / 1024} KiB encoded, at most {MaxEncodedLength / 1024} KiB): put it in a script and run that.", ExitCodes.Usage);
    }

    /// <summary>For a terminal session, where stdin is the user's keyboard: safe words only.</summary>
    public static string TerminalCommand(IReadOnlyList<string> argv) =>
        "sh -c 'cd || exit 1; exec \"$@\"' p " + string.Join(' ', argv.Select(SafeWord.Check));
}
