using System.Diagnostics;
using System.Text;

namespace P.IntegrationTests.Infrastructure;

/// <summary>
/// The last line of cleanup: kills every process whose environment or working
/// directory points into a test's private directory. Everything a test starts
/// (p, ssh masters, worker shells, tmux servers and their jobs) carries such a
/// HOME, TMUX_TMPDIR or cwd, while daemonised ones (tmux servers, ssh masters)
/// are no longer in anyone's process tree to be killed with it.
/// </summary>
internal static class ProcessSweeper
{
    private static readonly TimeSpan DeathTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Kills (SIGKILL) the matching processes and waits until they are gone; returns what it killed.</summary>
    public static IReadOnlyList<string> KillProcessesUsing(string directory)
    {
        var root = directory.TrimEnd('/');
        var killed = new List<string>();
        // A process may fork between the scan and the kill: rescan until clean.
        for (var round = 0; round < 10; round++)
        {
            var victims = Processes().Where(pid => Uses(pid, root)).ToList();
            if (victims.Count == 0)
            {
                return killed;
            }
            foreach (var pid in victims)
            {
                killed.Add($"{pid} {CommandLine(pid)}");
                Kill(pid);
            }
            WaitUntilDead(victims);
        }
        throw new InvalidOperationException(
            $"processes using {root} keep reappearing after 10 rounds of SIGKILL:\n{string.Join('\n', killed)}");
    }

    /// <summary>"pid cmdline" of every process whose environment or cwd points into <paramref name="directory"/>.</summary>
    public static IReadOnlyList<string> FindProcessesUsing(string directory)
    {
        var root = directory.TrimEnd('/');
        return [.. Processes().Where(pid => Uses(pid, root)).Select(pid => $"{pid} {CommandLine(pid)}")];
    }

    private static IEnumerable<int> Processes() =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 1 && pid != Environment.ProcessId);

    private static bool Uses(int pid, string root)
    {
        var cwd = Read(() => new DirectoryInfo($"/proc/{pid}/cwd").LinkTarget);
        if (cwd is not null && IsUnder(cwd, root))
        {
            return true;
        }
        var environ = Read(() => File.ReadAllBytes($"/proc/{pid}/environ"));
        return environ is not null
            && Mentions(Encoding.UTF8.GetString(environ), root);
    }

    // cwd of a process whose directory was deleted reads "<path> (deleted)".
    private static bool IsUnder(string path, string root) =>
        path == root || path.StartsWith(root + "/", StringComparison.Ordinal) || path.StartsWith(root + " ", StringComparison.Ordinal);

    // Anywhere in a value (PATH-like lists too), but not as the prefix of a longer name.
    private static bool Mentions(string text, string root)
    {
        for (var at = text.IndexOf(root, StringComparison.Ordinal); at >= 0; at = text.IndexOf(root, at + 1, StringComparison.Ordinal))
        {
            var end = at + root.Length;
            if (end == text.Length || !(char.IsAsciiLetterOrDigit(text[end]) || text[end] is '-' or '_' or '.'))
            {
                return true;
            }
        }
        return false;
    }

    private static string CommandLine(int pid) =>
        Read(() => File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim()) ?? "?";

    private static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    private static void WaitUntilDead(List<int> pids)
    {
        var clock = Stopwatch.StartNew();
        while (pids.Any(IsAlive))
        {
            if (clock.Elapsed > DeathTimeout)
            {
                throw new InvalidOperationException($"processes {string.Join(", ", pids.Where(IsAlive))} survived SIGKILL");
            }
            Thread.Sleep(10);
        }
    }

    /// <summary>State and command line of a process, for failure messages.</summary>
    public static string Describe(int pid) =>
        Read(() => File.ReadAllText($"/proc/{pid}/stat")) is { } stat
            ? $"state {stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0]}, {CommandLine(pid)}"
            : "gone";

    // A zombie is dead for our purposes: nobody may reap it (PID 1 in a
    // container often does not), but it runs nothing and holds no files.
    public static bool IsAlive(int pid)
    {
        var stat = Read(() => File.ReadAllText($"/proc/{pid}/stat"));
        if (stat is null)
        {
            return false;
        }
        var afterName = stat.LastIndexOf(')');
        return afterName < 0 || afterName + 2 >= stat.Length || stat[afterName + 2] != 'Z';
    }

    private static T? Read<T>(Func<T?> read)
        where T : class
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process exited, or belongs to someone we may not inspect.
            return null;
        }
    }
}
