namespace P.IntegrationTests.Infrastructure;

/// <summary>
/// Finds the programs the end-to-end tests drive. A missing one is a broken
/// test machine, not a reason to skip: the error names the package to install.
/// </summary>
internal static class RequiredTools
{
    // sshd and friends live in sbin, which a non-root PATH often lacks.
    private static readonly string[] ExtraDirs = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

    public static string Sshd => Find("sshd", "openssh-server");
    public static string Ssh => Find("ssh", "openssh-client");
    public static string SshKeygen => Find("ssh-keygen", "openssh-client");
    public static string Rsync => Find("rsync", "rsync");
    public static string Tmux => Find("tmux", "tmux");
    public static string Unshare => Find("unshare", "util-linux");
    public static string Mount => Find("mount", "mount");

    /// <summary>Everything a worker reached over ssh needs.</summary>
    public static void EnsureSshStack()
    {
        _ = Sshd;
        _ = Ssh;
        _ = SshKeygen;
        _ = Rsync;
        _ = Tmux;
    }

    public static string Find(string name, string debianPackage)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(ExtraDirs);
        foreach (var dir in dirs)
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)
                && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return candidate;
            }
        }
        throw new InvalidOperationException(
            $"'{name}' is not installed (looked in PATH and {string.Join(", ", ExtraDirs)}): "
            + $"the end-to-end tests need it. Install it with: apt-get install {debianPackage}");
    }
}
