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
    // The agent sends a heartbeat every 5 s; three missed mean the link is down.
    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(16);

    // Time a just-launched watcher gets to take the lock.
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
    /// Whether a watcher hears the worker: the heartbeat is fresh and the lock
    /// is held, or a watcher was launched a moment ago and is still starting.
    /// </summary>
    public bool IsHealthy()
    {
        if (Age(LaunchedFile) < Starting)
        {
            return true;
        }
        if (Age(AliveFile) >= Stale)
        {
            return false;
        }
        using var probe = TryAcquire();
        return probe is null;
    }

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
