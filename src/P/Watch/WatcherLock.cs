using P.Core;
using P.Store;

namespace P.Watch;

/// <summary>
/// At most one watcher per worker: an exclusive lock on a file (flock, which
/// .NET takes for FileShare.None), released by the kernel if the watcher dies.
/// A heartbeat file's age tells whether the watcher still hears its worker.
/// </summary>
internal sealed class WatcherLock(Paths paths, string worker)
{
    /// <summary>The agent's events verb sends "hb" this often (EVENTS_TICK x EVENTS_HEARTBEAT in the agent).</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(5);

    // Three heartbeats missed (and a second of slack) mean the link is down.
    private static readonly TimeSpan Stale = 3 * Heartbeat + TimeSpan.FromSeconds(1);

    // Time a just-launched watcher gets to take the lock before another is launched.
    private static readonly TimeSpan Starting = TimeSpan.FromSeconds(3);

    private string LockFile => Path.Combine(paths.WatchDir, worker + ".lock");

    private string AliveFile => Path.Combine(paths.WatchDir, worker + ".alive");

    private string LaunchedFile => Path.Combine(paths.WatchDir, worker + ".launched");

    public FileStream? TryAcquire()
    {
        try
        {
            return PrivateFiles.Open(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether a watcher hears the worker now: it holds the lock, and its
    /// heartbeat is fresh and newer than the last launch (a watcher that has
    /// not yet heard from the worker vouches for nothing).
    /// </summary>
    public bool Hears()
    {
        return Age(AliveFile) < Stale && Age(AliveFile) <= Age(LaunchedFile) && IsHeld();
    }

    /// <summary>Whether a watcher holds the lock now (it may not hear the worker yet).</summary>
    public bool IsHeld()
    {
        using var probe = TryAcquire();
        return probe is null;
    }

    /// <summary>A watcher was launched a moment ago and may still be taking the lock: launching another is no use.</summary>
    public bool IsStarting() => Age(LaunchedFile) < Starting;

    public void Launched() => Touch(LaunchedFile);

    public void Beat() => Touch(AliveFile);

    public void Flatline() => File.Delete(AliveFile);

    private void Touch(string path)
    {
        if (!File.Exists(path))
        {
            PrivateFiles.Open(path, FileMode.OpenOrCreate, FileAccess.Write).Dispose();
        }
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
    }

    private static TimeSpan Age(string path) =>
        File.Exists(path) ? DateTime.UtcNow - File.GetLastWriteTimeUtc(path) : TimeSpan.MaxValue;
}
