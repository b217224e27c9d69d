namespace P.IntegrationTests.Infrastructure;

/// <summary>
/// Reads and rewrites /etc/passwd lines. sshd takes the login shell from
/// there, so faking another shell means handing sshd an edited copy.
/// </summary>
internal static class PasswdFile
{
    private const string Path = "/etc/passwd";
    private const int ShellField = 6;

    public static string? ShellOf(string user) =>
        File.ReadLines(Path).Select(Fields).FirstOrDefault(f => f.Length > ShellField && f[0] == user)?[ShellField];

    /// <summary>The whole file, with <paramref name="user"/>'s login shell replaced.</summary>
    public static string WithShell(string user, string shell)
    {
        var found = false;
        var lines = File.ReadAllLines(Path).Select(line =>
        {
            var fields = Fields(line);
            if (fields.Length <= ShellField || fields[0] != user)
            {
                return line;
            }
            found = true;
            fields[ShellField] = shell;
            return string.Join(':', fields);
        }).ToList();
        if (!found)
        {
            throw new InvalidOperationException(
                $"user '{user}' has no line in {Path} (NSS/LDAP user?), so its login shell cannot be faked");
        }
        return string.Join('\n', lines) + "\n";
    }

    private static string[] Fields(string line) => line.Split(':');
}
