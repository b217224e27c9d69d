using System.Text;
using P.Cli;

namespace P.Transport;

/// <summary>
/// The command p gives ssh: a fixed script, then one word, the argv quoted by
/// <see cref="ShellQuote"/> and encoded. Whatever the login shell, it only
/// sees the script in single quotes with no '!', no newline, no quote and no
/// backslash pair (the only things fish or tcsh would reinterpret there) and
/// a word of letters, digits and <c>_./,:-%</c>, which no shell
/// reinterprets. Each other byte is <c>%</c> and three octal digits, which
/// the script turns into one printf format (a field split and one fork, no
/// exec); an argv whose escapes would make it too long is sent as base64.
/// The argv does not travel on stdin because sshd opens a session's stdin
/// only once the command runs: reading it there costs a round trip. A marker
/// line, on stdout and on stderr, separates any greeting the login shell
/// printed from the program's own output. An argv `sh -c CMD NAME ARGS...`
/// runs CMD in the bootstrap's own shell, with ARGS as its parameters: one
/// exec less.
/// </summary>
internal static class RemoteBootstrap
{
    public const string Marker = "\nP-AGENT-GO-1\n";

    /// <summary>Linux takes at most 128 KiB in one argument, and the login shell gets the whole command as one.</summary>
    public const int MaxEncodedLength = 96 * 1024;

    private static readonly System.Buffers.SearchValues<char> OctalDigits = System.Buffers.SearchValues.Create("01234567");

    public const string Script =
        "cd || exit 1; " +
        // x: octal escapes, each % becomes a backslash (e, from a lone one:
        // no backslash pair), split and joined by the shell itself. b: base64.
        "case $1 in b*) a=$(printf %s \"${1#b}\" | base64 -d) || exit 1 ;; " +
        "*) e=\"\\0\"; e=${e%0}; set -f; IFS=%; set -- ${1#x}; IFS=$e; a=$(printf \"$*\") || exit 1; unset IFS; set +f ;; esac; " +
        "eval \"set -- $a\"; " +
        "printf \"\\nP-AGENT-GO-1\\n\"; printf \"\\nP-AGENT-GO-1\\n\" >&2; " +
        // `sh -c CMD NAME ARGS...` (the agent's launcher) runs in this shell: one exec less.
        "if [ $# -ge 4 ] && [ \"$1\" = sh ] && [ \"$2\" = -c ]; then c=$3; shift 4; eval \"$c\"; exit; fi; exec \"$@\"";

    /// <summary>The remote command that runs <paramref name="argv"/> in the home directory, whatever the login shell.</summary>
    public static string Command(IReadOnlyList<string> argv) => $"sh -c '{Script}' p {Encode(argv)}";

    /// <summary>The argv's word: octal escapes after an x, or, where they would make it too long, base64 after a b.</summary>
    public static string Encode(IReadOnlyList<string> argv)
    {
        var bytes = Encoding.UTF8.GetBytes(ShellQuote.Join(argv));
        var escaped = new StringBuilder(bytes.Length + 1).Append('x');
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            // A leading '-' would be read as an option by printf.
            if (IsPlain(b) && !(i == 0 && b == (byte)'-'))
            {
                escaped.Append((char)b);
            }
            else
            {
                escaped.Append('%').Append((char)('0' + (b >> 6))).Append((char)('0' + ((b >> 3) & 7))).Append((char)('0' + (b & 7)));
            }
        }
        var encoded = escaped.Length <= MaxEncodedLength ? escaped.ToString() : "b" + Convert.ToBase64String(bytes);
        return encoded.Length <= MaxEncodedLength
            ? encoded
            : throw new UserError($"the command is too long to send to a worker ({encoded.Length / 1024} KiB encoded, at most {MaxEncodedLength / 1024} KiB): put it in a script and run that.", ExitCodes.Usage);
    }

    /// <summary>The quoted argv an <see cref="Encode"/> word carries, or null for any other word (tests look for text in argvs with it).</summary>
    public static string? TryDecode(string word)
    {
        if (word.StartsWith('b'))
        {
            var raw = new byte[word.Length];
            return Convert.TryFromBase64String(word[1..], raw, out var length) ? Encoding.UTF8.GetString(raw, 0, length) : null;
        }
        if (!word.StartsWith('x'))
        {
            return null;
        }
        var bytes = new List<byte>(word.Length);
        for (var i = 1; i < word.Length; i++)
        {
            if (word[i] != '%')
            {
                bytes.Add((byte)word[i]);
                continue;
            }
            if (i + 3 >= word.Length || word.AsSpan(i + 1, 3).ContainsAnyExcept(OctalDigits))
            {
                return null;
            }
            bytes.Add((byte)(((word[i + 1] - '0') << 6) | ((word[i + 2] - '0') << 3) | (word[i + 3] - '0')));
            i += 3;
        }
        return Encoding.UTF8.GetString([.. bytes]);
    }

    // No login shell gives these a meaning inside a word that starts with x.
    private static bool IsPlain(byte b) =>
        b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
            or (byte)'_' or (byte)'.' or (byte)'/' or (byte)',' or (byte)':' or (byte)'-';

    /// <summary>For a terminal session, where stdin is the user's keyboard: safe words only.</summary>
    public static string TerminalCommand(IReadOnlyList<string> argv) =>
        "sh -c 'cd || exit 1; exec \"$@\"' p " + string.Join(' ', argv.Select(SafeWord.Check));
}
