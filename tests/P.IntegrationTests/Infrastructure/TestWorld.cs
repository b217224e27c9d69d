using System.Collections;
using System.Runtime.InteropServices;
using System.Text;
using Xunit.Abstractions;

namespace P.IntegrationTests.Infrastructure;

/// <summary>
/// A throwaway world for one test: a client home for <c>p</c> and any number
/// of workers on the fixture's sshd, all under one short private directory.
/// Dispose stops everything that was started in it and deletes it.
/// </summary>
public sealed class TestWorld : IDisposable
{
    // Inherited from whoever runs the tests, and would point p at their
    // tmux server, ssh agent or terminal.
    private static readonly HashSet<string> RunnerOnlyVariables =
    [
        "TMUX", "TMUX_PANE", "SSH_AUTH_SOCK", "SSH_AGENT_PID", "SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY",
        "XDG_RUNTIME_DIR", "XDG_CACHE_HOME", "XDG_STATE_HOME", "TERM", "COLUMNS", "LINES", "LANGUAGE",
    ];

    private static readonly TimeSpan CleanupCommandTimeout = TimeSpan.FromSeconds(5);

    private readonly SshdFixture? _sshd;
    private readonly ITestOutputHelper? _output;
    private readonly Dictionary<string, string> _environment;
    private readonly List<WorkerHome> _workers = [];
    private readonly List<TerminalDriver> _terminals = [];
    private bool _disposed;

    internal TestWorld(SshdFixture? sshd, ITestOutputHelper? output)
    {
        _sshd = sshd;
        _output = output;
        Root = ShortTempDir.Create();
        ClientHome = CreateDir(Root, "c");
        ConfigHome = CreateDir(ClientHome, ".config");
        DataHome = CreateDir(ClientHome, ".local", "share");
        ClientTmuxTmpDir = CreateDir(Root, "ct");
        SshConfigPath = Path.Combine(Root, "ssh_config");
        KnownHostsPath = Path.Combine(Root, "known_hosts");
        if (sshd is not null)
        {
            File.WriteAllText(KnownHostsPath, $"[{SshdFixture.Host}]:{sshd.Port} {sshd.HostPublicKey}\n");
        }
        WriteSshConfig();
        _environment = BuildEnvironment();
    }

    /// <summary>A world without sshd, for tests of the local worker and the terminal only.</summary>
    public static TestWorld CreateLocal(ITestOutputHelper? output = null) => new(sshd: null, output);

    /// <summary>Short (/tmp/pt-XXXXXX) so sockets below it fit their length limits.</summary>
    public string Root { get; }

    /// <summary>$HOME of the p client.</summary>
    public string ClientHome { get; }

    public string ConfigHome { get; }

    public string DataHome { get; }

    /// <summary>$TMUX_TMPDIR of the p client (the local worker's tmux lives there).</summary>
    public string ClientTmuxTmpDir { get; }

    /// <summary>Passed to p as P_SSH_CONFIG; p hands it to ssh and rsync as -F.</summary>
    public string SshConfigPath { get; }

    public string KnownHostsPath { get; }

    public IReadOnlyList<WorkerHome> Workers => _workers;

    /// <summary>The program <see cref="P(string, string[])"/> runs; null means <see cref="PCli.BinaryPath"/>.</summary>
    public string? PBinary { get; set; }

    /// <summary>
    /// The environment p runs with: the runner's, minus its tmux, ssh agent,
    /// terminal, locale and P_* settings (P_DEBUG survives), plus this world's
    /// HOME, XDG dirs, TMUX_TMPDIR, P_SSH_CONFIG and LANG=C.UTF-8. Tests may
    /// add to it before running p.
    /// </summary>
    public IDictionary<string, string> Environment => _environment;

    /// <summary>
    /// A new worker reachable as <paramref name="alias"/>. <paramref name="prepareHome"/>
    /// gets the empty home directory before anything logs in (to plant a noisy
    /// .bashrc, say). <paramref name="environment"/> is set for every ssh
    /// session of the worker (authorized_keys' environment=).
    /// </summary>
    public WorkerHome AddWorker(string alias, Action<string>? prepareHome = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var sshd = _sshd ?? throw new InvalidOperationException("this world has no sshd: create it with SshdFixture.CreateWorld()");
        CheckAlias(alias);
        var n = _workers.Count + 1;
        var home = CreateDir(Root, $"w{n}");
        var tmuxTmpDir = CreateDir(Root, $"t{n}");
        prepareHome?.Invoke(home);
        var keyPath = Path.Combine(CreateDir(Root, "keys"), alias);
        ProcessRunner.Run(RequiredTools.SshKeygen, ["-q", "-t", "ed25519", "-N", "", "-C", $"p-e2e-{alias}", "-f", keyPath])
            .EnsureSuccess();
        var publicKey = File.ReadAllText(keyPath + ".pub").Trim();
        var extra = string.Concat((environment ?? new Dictionary<string, string>()).Select(e => $",environment=\"{e.Key}={e.Value}\""));
        sshd.Authorize($"environment=\"HOME={home}\",environment=\"TMUX_TMPDIR={tmuxTmpDir}\"{extra} {publicKey}");
        var worker = new WorkerHome(alias, home, tmuxTmpDir, keyPath, sshd.User, sshd.Port);
        _workers.Add(worker);
        WriteSshConfig();
        return worker;
    }

    /// <summary>A directory in the client home, to run p in.</summary>
    public string CreateClientDir(string name) => CreateDir(ClientHome, name);

    /// <summary>Runs p with this world's environment, empty stdin and a 60 s limit.</summary>
    public Task<PResult> P(string cwd, params string[] args) => P(cwd, args, PCli.DefaultTimeout);

    public async Task<PResult> P(string cwd, IEnumerable<string> args, TimeSpan timeout, string? stdin = null)
    {
        var argList = args.ToList();
        var result = await PCli.RunAsync(_environment, cwd, argList, timeout, stdin, PBinary);
        Log($"$ p {string.Join(' ', argList.Select(PosixShell.Quote))}   (in {cwd})\n{result}");
        return result;
    }

    /// <summary>
    /// <c>ssh -F &lt;world config&gt; alias command</c>: the command goes through the
    /// worker's login shell, like everything p sends.
    /// </summary>
    public async Task<ProcessResult> Ssh(string alias, string remoteShellCommand, TimeSpan? timeout = null)
    {
        var result = await ProcessRunner.RunAsync(
            RequiredTools.Ssh, ["-F", SshConfigPath, alias, remoteShellCommand], _environment, ClientHome, timeout: timeout);
        Log($"$ ssh {alias} {PosixShell.Quote(remoteShellCommand)}\n{result}");
        return result;
    }

    /// <summary>Runs a command in a real terminal (a private tmux server) with this world's environment.</summary>
    public TerminalDriver StartTerminal(string cwd, string fileName, params string[] args) =>
        StartTerminal(TerminalDriver.Width, TerminalDriver.Height, cwd, fileName, args);

    /// <summary>The same in a terminal of <paramref name="width"/> x <paramref name="height"/>.</summary>
    public TerminalDriver StartTerminal(int width, int height, string cwd, string fileName, params string[] args)
    {
        var terminal = TerminalDriver.Start(_environment, cwd, fileName, args, CreateDir(Root, $"term{_terminals.Count + 1}"), width, height);
        _terminals.Add(terminal);
        return terminal;
    }

    /// <summary>Runs p in a real terminal, for attach, Ctrl-C and detach tests.</summary>
    public TerminalDriver StartP(string cwd, params string[] args) => StartTerminal(cwd, PBinary ?? PCli.BinaryPath, args);

    /// <summary>Runs p in a real terminal of <paramref name="width"/> x <paramref name="height"/>.</summary>
    public TerminalDriver StartP(int width, int height, string cwd, params string[] args) =>
        StartTerminal(width, height, cwd, PBinary ?? PCli.BinaryPath, args);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var terminal in _terminals)
        {
            terminal.Dispose();
        }
        // The polite way first, so servers remove their sockets and jobs get SIGHUP...
        foreach (var worker in _workers)
        {
            KillTmuxServers(worker.TmuxTmpDir);
            if (File.Exists(worker.TmuxSocket))
            {
                RunQuietly(RequiredTools.Tmux, ["-S", worker.TmuxSocket, "kill-server"]);
            }
        }
        ExitControlMasters(Path.Combine(ClientHome, ".p", "cm"));
        KillTmuxServers(ClientTmuxTmpDir);
        // ...then whatever ignored that, or was never a tmux job.
        var leftovers = ProcessSweeper.KillProcessesUsing(Root);
        if (leftovers.Count > 0)
        {
            Log($"killed processes left running in {Root}:\n{string.Join('\n', leftovers)}");
        }
        _sshd?.RevokeKeysMentioning(Root + "/");
        _sshd?.Forget(this);
        Directory.Delete(Root, recursive: true);
    }

    private void KillTmuxServers(string tmuxTmpDir)
    {
        // Sockets are TMUX_TMPDIR/tmux-UID/NAME; p's is "p", but kill any.
        if (!Directory.Exists(tmuxTmpDir))
        {
            return;
        }
        var sockets = Directory.EnumerateDirectories(tmuxTmpDir, "tmux-*").SelectMany(Directory.EnumerateFileSystemEntries);
        foreach (var socket in sockets)
        {
            RunQuietly(RequiredTools.Tmux, ["-S", socket, "kill-server"]);
        }
    }

    private void ExitControlMasters(string controlDir)
    {
        if (!Directory.Exists(controlDir))
        {
            return;
        }
        foreach (var socket in Directory.EnumerateFileSystemEntries(controlDir))
        {
            RunQuietly(RequiredTools.Ssh, ["-F", "/dev/null", "-O", "exit", "-o", $"ControlPath={socket}", "placeholder-host"]);
        }
    }

    private void RunQuietly(string fileName, IEnumerable<string> args)
    {
        try
        {
            ProcessRunner.Run(fileName, args, _environment, Root, timeout: CleanupCommandTimeout);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            Log($"cleanup: {e.Message}");
        }
    }

    private void WriteSshConfig()
    {
        var text = new StringBuilder();
        foreach (var worker in _workers)
        {
            text.Append($"""
                Host {worker.Alias}
                  HostName {SshdFixture.Host}
                  Port {worker.Port}
                  User {worker.User}
                  IdentityFile {worker.KeyPath}

                """);
        }
        // ssh keeps the first value of most options but collects every
        // IdentityFile, in file order: an alias tries its own key first, and a
        // raw user@127.0.0.1:port tries the first worker's key first.
        text.Append("Host *\n");
        foreach (var worker in _workers)
        {
            text.Append($"  IdentityFile {worker.KeyPath}\n");
        }
        text.Append($"""
              IdentitiesOnly yes
              UserKnownHostsFile {KnownHostsPath}
              GlobalKnownHostsFile /dev/null
              StrictHostKeyChecking accept-new
              BatchMode yes
              LogLevel ERROR

            """);
        File.WriteAllText(SshConfigPath, text.ToString());
    }

    private Dictionary<string, string> BuildEnvironment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            if (!RunnerOnlyVariables.Contains(name)
                && !name.StartsWith("LC_", StringComparison.Ordinal)
                && !(name.StartsWith("P_", StringComparison.Ordinal) && name != "P_DEBUG"))
            {
                env[name] = (string?)entry.Value ?? "";
            }
        }
        env["HOME"] = ClientHome;
        env["XDG_CONFIG_HOME"] = ConfigHome;
        env["XDG_DATA_HOME"] = DataHome;
        env["TMUX_TMPDIR"] = ClientTmuxTmpDir;
        env["P_SSH_CONFIG"] = SshConfigPath;
        env["LANG"] = "C.UTF-8";
        env.TryAdd("PATH", "/usr/local/bin:/usr/bin:/bin");
        // p's apphost finds the runtime through DOTNET_ROOT when dotnet is not
        // in the default location; point it at the runtime running the tests.
        env.TryAdd("DOTNET_ROOT", Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..")));
        return env;
    }

    private void CheckAlias(string alias)
    {
        var wellFormed = alias.Length > 0
            && char.IsAsciiLetterOrDigit(alias[0])
            && alias.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
        if (!wellFormed || alias == "local" || _workers.Any(w => w.Alias == alias))
        {
            throw new ArgumentException($"bad or duplicate worker alias '{alias}'", nameof(alias));
        }
    }

    private static string CreateDir(params string[] parts) => Directory.CreateDirectory(Path.Combine(parts)).FullName;

    private void Log(string text)
    {
        try
        {
            _output?.WriteLine(text);
        }
        catch (InvalidOperationException)
        {
            // The test already finished; xunit no longer takes its output.
        }
    }
}
