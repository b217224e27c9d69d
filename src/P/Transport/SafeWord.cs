using System.Text.RegularExpressions;

namespace P.Transport;

/// <summary>
/// Words allowed on ssh's own command line, where the remote login shell (sh,
/// fish, tcsh, ...) parses them: nothing any of those shells treats specially.
/// </summary>
internal static partial class SafeWord
{
    public static string Check(string word) => Shape().IsMatch(word)
        ? word
        : throw new ArgumentException($"'{word}' may not travel on ssh's command line", nameof(word));

    [GeneratedRegex(@"^(?:[A-Za-z0-9_./][A-Za-z0-9_./=:-]*|-)\z")]
    private static partial Regex Shape();
}
