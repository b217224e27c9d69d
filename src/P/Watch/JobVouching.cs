using P.Cli;
using P.Core;
using P.Store;

namespace P.Watch;

/// <summary>
/// What `p ls` may claim: a running job is only shown running while a
/// watcher hears its worker (its heartbeat is newer than its launch). For the
/// other workers, `p ls` asks them itself (in parallel, within the connect
/// timeout) and starts a watcher; what still cannot be asked is `unknown`.
/// </summary>
internal static class JobVouching
{
    public static async Task<IReadOnlyList<Job>> VouchAsync(PContext context, Paths paths, JobStore store, CancellationToken ct)
    {
        var jobs = store.All();
        var slurm = new ConfigStore(paths.ConfigFile).Load().Workers.Where(w => w.Slurm is not null).Select(w => w.Name).ToHashSet();
        // Pending or running is Slurm's to say, and no watcher hears it:
        // those workers are asked too (the agent asks squeue at most every few
        // seconds). So are those of a start whose p is gone: a watcher that
        // hears its worker may not have looked at that record yet, and
        // `starting` would claim a start that nobody is making.
        var interrupted = jobs.Where(Watchlist.InterruptedStart).Select(j => j.Worker).ToHashSet();
        var unheard = jobs
            .Where(Watchlist.NeedsWatching)
            .Select(j => j.Worker)
            .Distinct()
            .Where(w => slurm.Contains(w) || interrupted.Contains(w) || !new WatcherLock(paths, w).Hears())
            .ToHashSet();
        if (unheard.Count == 0)
        {
            return jobs;
        }
        foreach (var worker in unheard.Where(w => !new WatcherLock(paths, w).Hears() && !new WatcherLock(paths, w).IsStarting()))
        {
            WatcherLauncher.Start(context, paths, worker);
        }
        var unreachable = await new Reconciler(context, paths).RefreshAsync(unheard, ct, store);
        return [.. store.All().Select(j => unreachable.Contains(j.Worker) && Watchlist.NeedsWatching(j) && j.Status != JobStatus.Starting ? j with { Status = JobStatus.Unknown } : j)];
    }
}
