using System.Text;

namespace P.IntegrationTests.LiveState;

/// <summary>Finds a test world's processes by their command line and environment (Linux /proc).</summary>
internal static class Processes
{
    public static IReadOnlyList<int> Find(string clientHome, Func<string[], bool> argvMatches)
    {
        var found = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                if (stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z'))
                {
                    continue;
                }
                var argv = Split(File.ReadAllBytes(Path.Combine(dir, "cmdline")));
                var env = Split(File.ReadAllBytes(Path.Combine(dir, "environ")));
                if (argvMatches(argv) && env.Contains("HOME=" + clientHome))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // It exited while we looked.
            }
        }
        return found;
    }

    public static IReadOnlyList<int> Watchers(string clientHome, string worker) =>
        Find(clientHome, argv => argv.Length >= 3 && argv[^2] == "_watch" && argv[^1] == worker);

    public static IReadOnlyList<int> Children(int parent) =>
        [.. Directory.GetDirectories("/proc")
            .Select(d => (Dir: d, Ok: int.TryParse(Path.GetFileName(d), out var pid), Pid: pid))
            .Where(p => p.Ok && ParentOf(p.Dir) == parent)
            .Select(p => p.Pid)];

    public static void KillTree(int pid)
    {
        foreach (var child in Children(pid))
        {
            KillTree(child);
        }
        Kill(pid);
    }

    public static void Kill(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
        }
    }

    private static int ParentOf(string dir)
    {
        try
        {
            var stat = File.ReadAllText(Path.Combine(dir, "stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return -1;
        }
    }

    private static string[] Split(byte[] nulSeparated) =>
        Encoding.UTF8.GetString(nulSeparated).Split('\0', StringSplitOptions.RemoveEmptyEntries);
}
