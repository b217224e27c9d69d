namespace P.Transport;

/// <summary>
/// The one function that quotes words for a remote POSIX shell. ssh joins its
/// trailing arguments with spaces and the remote shell re-parses them, so every
/// word that reaches a shell is quoted exactly once, here.
/// </summary>
internal static class ShellQuote
{
    /// <summary>
    /// Single-quotes a word; a single quote inside becomes '\''. Inside single
    /// quotes POSIX sh gives no character a special meaning, newlines included.
    /// </summary>
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public static string Join(IEnumerable<string> words) => string.Join(' ', words.Select(Quote));
}
