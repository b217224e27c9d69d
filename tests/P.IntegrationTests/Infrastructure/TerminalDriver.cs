using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace P.IntegrationTests.Infrastructure;

/// <summary>
/// A real terminal for one command: a tmux server of its own (socket in a
/// short private directory, no config files) with one pane, 120x40 unless
/// the test asks for another size. Keys go in with send-keys, the screen
/// comes out with capture-pane, and the pane stays after the command exits
/// so its exit status can be read.
/// </summary>
public sealed class TerminalDriver : IDisposable
{
    public const int Width = 120;
    public const int Height = 40;

    private const string Target = "t";
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private readonly string _dir;
    private readonly bool _ownsDir;
    private readonly Dictionary<string, string> _environment;
    private readonly int _width;
    private bool _disposed;

    private TerminalDriver(string dir, bool ownsDir, Dictionary<string, string> environment, int width)
    {
        _dir = dir;
        _ownsDir = ownsDir;
        _environment = environment;
        _width = width;
    }

    /// <summary>The tmux server's socket, for poking at the terminal with tmux -S.</summary>
    public string SocketPath => Path.Combine(_dir, "s");

    /// <summary>
    /// Starts <paramref name="fileName"/> with <paramref name="args"/> in a new
    /// terminal. <paramref name="dir"/> (short!) holds the socket and launcher;
    /// without one a private directory is made and deleted on Dispose.
    /// </summary>
    public static TerminalDriver Start(
        IEnumerable<KeyValuePair<string, string>> environment,
        string cwd,
        string fileName,
        IEnumerable<string> args,
        string? dir = null,
        int width = Width,
        int height = Height)
    {
        // The server inherits the environment of the tmux client that starts
        // it, so every tmux call gets the test's environment, not the runner's.
        var env = environment.ToDictionary(StringComparer.Ordinal);
        var driver = new TerminalDriver(dir ?? ShortTempDir.Create(), ownsDir: dir is null, env, width);
        try
        {
            var launcher = Path.Combine(driver._dir, "launch.sh");
            File.WriteAllText(launcher, Launcher(env, cwd, fileName, args));
            // One tmux invocation, so remain-on-exit is set before the command can exit.
            driver.Tmux(
                "start-server", ";",
                "set-option", "-g", "remain-on-exit", "on", ";",
                "set-option", "-g", "status", "off", ";",
                "new-session", "-d", "-x", $"{width}", "-y", $"{height}", "-s", Target, "-c", cwd, "/bin/sh", launcher);
            return driver;
        }
        catch
        {
            driver.Dispose();
            throw;
        }
    }

    /// <summary>
    /// tmux send-keys: each argument is a key name ("Enter", "C-c", "C-b",
    /// "Escape", "Up") or, if not one, literal characters. Use
    /// <see cref="SendText"/> for text that might read as a key name.
    /// </summary>
    public void SendKeys(params string[] keys) => Tmux(["send-keys", "-t", Target, .. keys]);

    /// <summary>Types <paramref name="text"/> exactly (send-keys -l).</summary>
    public void SendText(string text) => Tmux("send-keys", "-t", Target, "-l", text);

    /// <summary>The visible screen, wrapped lines joined, trailing blanks trimmed.</summary>
    public string Screen() => Tidy(Tmux("capture-pane", "-p", "-J", "-t", Target));

    /// <summary>
    /// Scrollback plus screen. Needed after exit: tmux scrolls the screen up a
    /// line to print "Pane is dead", so the first line leaves the screen.
    /// </summary>
    public string Transcript() => Tidy(Tmux("capture-pane", "-p", "-J", "-S", "-", "-t", Target));

    public bool HasExited => DeadStatus() is not null;

    public Task<string> WaitForScreen(string expected, TimeSpan? timeout = null) =>
        WaitForScreen(screen => screen.Contains(expected, StringComparison.Ordinal), timeout, $"'{expected}'");

    /// <summary>Polls the screen until <paramref name="predicate"/> holds; returns that screen.</summary>
    public async Task<string> WaitForScreen(Func<string, bool> predicate, TimeSpan? timeout = null, string? description = null)
    {
        var limit = timeout ?? DefaultWait;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var screen = Screen();
            if (predicate(screen))
            {
                return screen;
            }
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException(
                    $"the terminal did not show {description ?? "the expected screen"} within {limit.TotalSeconds:0.###} s. "
                    + $"Last screen:\n{Frame(screen)}");
            }
            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Waits for the command to exit; returns its exit code (128+N if killed by signal N).</summary>
    public async Task<int> WaitForExit(TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultWait;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (DeadStatus() is { } status)
            {
                return status;
            }
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException(
                    $"the command in the terminal did not exit within {limit.TotalSeconds:0.###} s ({PaneProcess()}). "
                    + $"Last screen:\n{Frame(Screen())}");
            }
            await Task.Delay(PollInterval);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        try
        {
            // SIGHUPs the command, as closing a terminal window would.
            ProcessRunner.Run(RequiredTools.Tmux, ["-S", SocketPath, "kill-server"], _environment, timeout: TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            // Nothing to kill, or tmux is stuck; the owner's sweep gets the rest.
        }
        if (_ownsDir)
        {
            ProcessSweeper.KillProcessesUsing(_dir);
            Directory.Delete(_dir, recursive: true);
        }
    }

    private string PaneProcess()
    {
        var pane = Tmux("display-message", "-p", "-t", Target, "#{pane_dead} #{pane_pid}").Trim().Split(' ');
        var state = int.TryParse(pane[^1], CultureInfo.InvariantCulture, out var pid) ? ProcessSweeper.Describe(pid) : "unknown";
        return (pane[0] == "1" ? "it closed the terminal but was not reaped; " : "") + $"process {pane[^1]}: {state}";
    }

    // tmux marks a pane dead when its terminal closes, which can come before
    // it has reaped the process: until the status is in, it has not exited.
    private int? DeadStatus()
    {
        var fields = Tmux("display-message", "-p", "-t", Target, "#{pane_dead}:#{pane_dead_status}:#{pane_dead_signal}:#{pid}")
            .Trim()
            .Split(':');
        if (fields is not ["1", var status, var signal, var server])
        {
            return null;
        }
        if (int.TryParse(status, CultureInfo.InvariantCulture, out var code))
        {
            return code;
        }
        if (int.TryParse(signal, CultureInfo.InvariantCulture, out var number))
        {
            return 128 + number;
        }
        NudgeServer(server);
        return null;
    }

    // Debian's tmux closes a dead pane's terminal through libutempter, which
    // sets SIGCHLD to SIG_DFL while it waits for its helper. If the command's
    // exit lands in that window, its SIGCHLD is discarded and tmux never reaps
    // it: the pane stays dead without a status (seen in about half the runs of
    // p's local attach). Another SIGCHLD makes tmux reap all its zombies.
    private void NudgeServer(string serverPid) =>
        ProcessRunner.Run("/bin/sh", ["-c", "kill -s CHLD \"$1\"", "sh", serverPid], _environment);

    private string Tmux(params string[] args)
    {
        var result = ProcessRunner.Run(RequiredTools.Tmux, ["-S", SocketPath, "-f", "/dev/null", .. args], _environment);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"tmux {string.Join(' ', args)} failed: {result}");
        }
        return result.Stdout;
    }

    // tmux gives a pane its server's global environment (plus TMUX, TMUX_PANE
    // and TERM), not the environment of the client that asked for it: the
    // launcher sets the test's environment itself. TERM stays tmux's, as in a
    // real terminal, and TMUX goes, or p would think it runs inside tmux.
    private static string Launcher(Dictionary<string, string> env, string cwd, string fileName, IEnumerable<string> args)
    {
        var script = new StringBuilder("unset TMUX TMUX_PANE\n");
        foreach (var (name, value) in env.Where(e => PosixShell.IsVariableName(e.Key)))
        {
            script.Append($"export {name}={PosixShell.Quote(value)}\n");
        }
        script.Append($"cd {PosixShell.Quote(cwd)} || exit 126\n");
        script.Append($"exec {string.Join(' ', new[] { fileName }.Concat(args).Select(PosixShell.Quote))}\n");
        return script.ToString();
    }

    private static string Tidy(string capture) =>
        string.Join('\n', capture.Split('\n').Select(line => line.TrimEnd())).TrimEnd('\n');

    private string Frame(string screen) =>
        $"+{new string('-', _width)}+\n{screen}\n+{new string('-', _width)}+";
}
