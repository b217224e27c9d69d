namespace P.IntegrationTests.Infrastructure;

/// <summary>
/// One worker of a <see cref="TestWorld"/>: an account on the fixture's sshd
/// whose key makes sshd set HOME and TMUX_TMPDIR to directories of its own,
/// so each worker looks like a separate machine.
/// </summary>
public sealed class WorkerHome
{
    internal WorkerHome(string alias, string home, string tmuxTmpDir, string keyPath, string user, int port)
    {
        Alias = alias;
        Home = home;
        TmuxTmpDir = tmuxTmpDir;
        KeyPath = keyPath;
        User = user;
        Port = port;
    }

    /// <summary>Host alias in the world's ssh config.</summary>
    public string Alias { get; }

    /// <summary>$HOME of every command run on this worker (the login cwd stays the passwd home).</summary>
    public string Home { get; }

    /// <summary>$TMUX_TMPDIR on this worker: its tmux sockets are at TmuxTmpDir/tmux-UID/NAME.</summary>
    public string TmuxTmpDir { get; }

    /// <summary>The socket of p's tmux server on this worker (the agent keeps it in ~/.p).</summary>
    public string TmuxSocket => Path.Combine(Home, ".p", "tmux");

    /// <summary>A remote shell command line that talks to p's tmux server on this worker.</summary>
    public const string Tmux = "tmux -S \"$HOME/.p/tmux\"";

    /// <summary>Private ed25519 key that logs in as this worker.</summary>
    public string KeyPath { get; }

    public string User { get; }

    public int Port { get; }

    /// <summary>The connection string for <c>p</c>: the ssh config alias.</summary>
    public string Connection => Alias;

    /// <summary>
    /// "user@127.0.0.1:port". ssh picks the key for a raw address from the
    /// world's catch-all block, which lists the first worker's key first: use
    /// this form only in worlds with a single worker.
    /// </summary>
    public string UserAtHostPort => $"{User}@{SshdFixture.Host}:{Port}";

    /// <summary>A path inside the worker's home, for assertions on files p put there.</summary>
    public string PathInHome(string relative) => Path.Combine(Home, relative);
}
