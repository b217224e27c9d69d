using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit.Abstractions;

namespace P.IntegrationTests.Infrastructure;

/// <summary>
/// A real sshd on 127.0.0.1, private to one test collection: own host key,
/// own authorized_keys (each <see cref="TestWorld"/> worker adds a key whose
/// options set HOME and TMUX_TMPDIR), running as the current user. With a
/// <c>loginShell</c> different from the user's, sshd runs in a private mount
/// namespace whose /etc/passwd gives the user that shell, because sshd runs
/// every remote command through the passwd login shell.
/// </summary>
public class SshdFixture : IAsyncLifetime
{
    public const string Host = "127.0.0.1";

    private const int PortAttempts = 5;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly Lock _authorizedKeysLock = new();
    private readonly List<TestWorld> _worlds = [];
    private string? _stateDir;
    private Process? _sshd;
    private OutputCapture? _sshdStderr;

    public SshdFixture()
        : this(loginShell: null)
    {
    }

    protected SshdFixture(string? loginShell) => LoginShell = loginShell;

    /// <summary>The login shell sshd sees for <see cref="User"/>; null keeps the real one.</summary>
    public string? LoginShell { get; }

    /// <summary>sshd runs as the current user and can only log that user in.</summary>
    public string User { get; } = Environment.UserName;

    public int Port { get; private set; }

    /// <summary>"ssh-ed25519 AAAA… comment", for known_hosts.</summary>
    public string HostPublicKey { get; private set; } = "";

    public string StateDir => _stateDir ?? throw new InvalidOperationException("sshd is not started");

    public string LogPath => Path.Combine(StateDir, "sshd.log");

    public string AuthorizedKeysPath => Path.Combine(StateDir, "authorized_keys");

    private string ConfigPath => Path.Combine(StateDir, "sshd_config");

    private string HostKeyPath => Path.Combine(StateDir, "host_ed25519");

    public async Task InitializeAsync()
    {
        RequiredTools.EnsureSshStack();
        CheckLoginShellInstalled();
        _stateDir = Directory.CreateTempSubdirectory("p-e2e-").FullName;
        try
        {
            ProcessRunner.Run(RequiredTools.SshKeygen, ["-q", "-t", "ed25519", "-N", "", "-C", "p-e2e-host", "-f", HostKeyPath])
                .EnsureSuccess();
            HostPublicKey = File.ReadAllText(HostKeyPath + ".pub").Trim();
            File.WriteAllText(AuthorizedKeysPath, "");
            if (Environment.IsPrivilegedProcess)
            {
                // sshd refuses to start as root without its privilege separation directory.
                Directory.CreateDirectory("/run/sshd", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }
            await StartOnFreePortAsync(FakePasswdIfNeeded());
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public Task DisposeAsync()
    {
        TestWorld[] leftovers;
        lock (_worlds)
        {
            leftovers = [.. _worlds];
        }
        // A test that forgot to dispose its world must not leave servers behind.
        foreach (var world in leftovers)
        {
            world.Dispose();
        }
        Stop();
        if (_stateDir is not null && Directory.Exists(_stateDir))
        {
            ProcessSweeper.KillProcessesUsing(_stateDir);
            Directory.Delete(_stateDir, recursive: true);
        }
        return Task.CompletedTask;
    }

    /// <summary>A fresh client and (after <see cref="TestWorld.AddWorker"/>) workers for one test.</summary>
    public TestWorld CreateWorld(ITestOutputHelper? output = null)
    {
        var world = new TestWorld(this, output);
        lock (_worlds)
        {
            _worlds.Add(world);
        }
        return world;
    }

    public string ReadLog()
    {
        using var stream = new FileStream(LogPath, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>sshd reads authorized_keys afresh at every login, so a new key works at once.</summary>
    internal void Authorize(string authorizedKeysLine)
    {
        lock (_authorizedKeysLock)
        {
            File.AppendAllText(AuthorizedKeysPath, authorizedKeysLine + "\n");
        }
    }

    internal void RevokeKeysMentioning(string text)
    {
        lock (_authorizedKeysLock)
        {
            var kept = File.ReadAllLines(AuthorizedKeysPath).Where(line => !line.Contains(text, StringComparison.Ordinal));
            // Replaced atomically: a login in another thread must never see a half-written file.
            var temp = AuthorizedKeysPath + ".new";
            File.WriteAllLines(temp, kept);
            File.Move(temp, AuthorizedKeysPath, overwrite: true);
        }
    }

    internal void Forget(TestWorld world)
    {
        lock (_worlds)
        {
            _worlds.Remove(world);
        }
    }

    private void CheckLoginShellInstalled()
    {
        if (LoginShell is not null && !File.Exists(LoginShell))
        {
            throw new InvalidOperationException(
                $"login shell {LoginShell} is not installed. Install it with: apt-get install {Path.GetFileName(LoginShell)}");
        }
    }

    private string? FakePasswdIfNeeded()
    {
        var current = PasswdFile.ShellOf(User);
        if (LoginShell is null || LoginShell == current)
        {
            return null;
        }
        if (!Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException(
                $"giving {User} the login shell {LoginShell} (now {current}) needs root: it bind-mounts /etc/passwd in a private mount namespace");
        }
        _ = RequiredTools.Unshare;
        _ = RequiredTools.Mount;
        var copy = Path.Combine(StateDir, "passwd");
        File.WriteAllText(copy, PasswdFile.WithShell(User, LoginShell));
        return copy;
    }

    private async Task StartOnFreePortAsync(string? fakePasswd)
    {
        // The free port is only free until someone else takes it: retry then.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            File.WriteAllText(ConfigPath, Config());
            File.WriteAllText(LogPath, "");
            Start(fakePasswd);
            if (await WaitUntilListeningAsync())
            {
                return;
            }
            var log = ReadLog();
            Stop();
            if (attempt >= PortAttempts || !log.Contains("Address already in use", StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"sshd did not start listening on {Host}:{Port} within {StartTimeout.TotalSeconds} s (attempt {attempt}).\n"
                    + $"--- sshd log ({LogPath}) ---\n{log}\n--- sshd stderr ---\n{_sshdStderr?.Text}");
            }
        }
    }

    private string Config() => $"""
        Port {Port}
        ListenAddress {Host}
        HostKey {HostKeyPath}
        PidFile {Path.Combine(StateDir, "sshd.pid")}
        AuthorizedKeysFile {AuthorizedKeysPath}
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        UsePAM no
        # The state dir lives under /tmp, which StrictModes would reject.
        StrictModes no
        # Lets each key's environment="HOME=..." give every worker its own home.
        PermitUserEnvironment yes
        # As in Debian's stock sshd_config.
        AcceptEnv LANG LC_*
        Subsystem sftp internal-sftp
        # Keep interactive screens deterministic.
        PrintMotd no
        PrintLastLog no
        # Parallel connections and multiplexed sessions must never be dropped at random.
        MaxStartups 100
        MaxSessions 100
        LogLevel VERBOSE

        """;

    private void Start(string? fakePasswd)
    {
        var sshd = RequiredTools.Sshd;
        var info = fakePasswd is null
            ? new ProcessStartInfo(sshd) { ArgumentList = { "-D", "-f", ConfigPath, "-E", LogPath } }
            : new ProcessStartInfo(RequiredTools.Unshare)
            {
                ArgumentList =
                {
                    "-m", "--propagation", "private", "sh", "-c",
                    "mount --bind \"$1\" /etc/passwd && exec \"$2\" -D -f \"$3\" -E \"$4\"",
                    "sh", fakePasswd, sshd, ConfigPath, LogPath,
                },
            };
        info.UseShellExecute = false;
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        _sshd = Process.Start(info) ?? throw new InvalidOperationException($"could not start {sshd}");
        _sshd.StandardInput.Close();
        _ = new OutputCapture(_sshd.StandardOutput);
        _sshdStderr = new OutputCapture(_sshd.StandardError);
    }

    private async Task<bool> WaitUntilListeningAsync()
    {
        // The log line proves the listener is ours (not a squatter on the port);
        // the banner proves it accepts connections.
        var listening = $"Server listening on {Host} port {Port}.";
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout && !_sshd!.HasExited)
        {
            if (ReadLog().Contains(listening, StringComparison.Ordinal) && await ShowsSshBannerAsync(Port))
            {
                return true;
            }
            await Task.Delay(20);
        }
        return false;
    }

    private static async Task<bool> ShowsSshBannerAsync(int port)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            var stream = client.GetStream();
            var banner = new byte[4];
            await stream.ReadExactlyAsync(banner, timeout.Token);
            return Encoding.ASCII.GetString(banner) == "SSH-";
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Stop()
    {
        if (_sshd is null)
        {
            return;
        }
        try
        {
            // -D keeps sshd in the foreground; every connection is a child of it.
            _sshd.Kill(entireProcessTree: true);
            _sshd.WaitForExit(StopTimeout);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        _sshd.Dispose();
        _sshd = null;
    }
}
