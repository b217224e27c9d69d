using System.Globalization;
using System.Text.RegularExpressions;
using P.Cli;

namespace P.Core;

/// <summary>
/// A worker's connection string: "local", or an ssh destination
/// ([user@]host[:port], [user@][ipv6][:port], or an ssh config alias).
/// </summary>
internal sealed partial record Connection(string Text, string? User, string? Host, int? Port)
{
    public const string LocalText = "local";

    public bool IsLocal => Text == LocalText;

    /// <summary>The destination word ssh gets: "user@host" or "host" (IPv6 without brackets).</summary>
    public string Destination => User is null ? Host! : $"{User}@{Host}";

    public static Connection Parse(string text)
    {
        if (text == LocalText)
        {
            return new Connection(text, null, null, null);
        }
        var m = Shape().Match(text);
        if (!m.Success)
        {
            throw new UserError(
                $"bad connection string '{text}': use user@host, user@host:port, user@[ipv6]:port, an ssh config alias, or 'local'.",
                ExitCodes.Usage);
        }
        var user = m.Groups["user"].Success ? m.Groups["user"].Value : null;
        var host = m.Groups["v6"].Success ? m.Groups["v6"].Value : m.Groups["host"].Value;
        int? port = null;
        if (m.Groups["port"].Success)
        {
            if (!int.TryParse(m.Groups["port"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            {
                throw new UserError($"bad port in '{text}': use a number from 1 to 65535.", ExitCodes.Usage);
            }
            port = p;
        }
        return new Connection(text, user, host, port);
    }

    // Every character that can reach ssh's command line is checked here: no
    // leading '-', no spaces or shell metacharacters.
    [GeneratedRegex(@"^(?:(?<user>[A-Za-z0-9_][A-Za-z0-9._-]*)@)?(?:\[(?<v6>[0-9A-Fa-f:.]*:[0-9A-Fa-f:.%A-Za-z]*)\]|(?<host>[A-Za-z0-9_][A-Za-z0-9._-]*))(?::(?<port>[0-9]{1,5}))?\z")]
    private static partial Regex Shape();
}
