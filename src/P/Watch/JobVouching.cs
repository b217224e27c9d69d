using P.Cli;
using P.Core;

namespace P.Watch;

/// <summary>
/// What `p ls` may claim without asking anyone: a running job is only shown
/// running while a watcher hears its worker. Otherwise it is `unknown`, and a
/// watcher is started, which reconciles it in the background.
/// </summary>
internal static class JobVouching
{
    public static IReadOnlyList<Job> Vouch(PContext context, Paths paths, IReadOnlyList<Job> jobs)
    {
        var unwatched = jobs
            .Where(Watchlist.NeedsWatching)
            .Select(j => j.Worker)
            .Distinct()
            .Where(w => !new WatcherLock(paths, w).IsHealthy())
            .ToHashSet();
        foreach (var worker in unwatched)
        {
            WatcherLauncher.Start(context, paths, worker);
        }
        return [.. jobs.Select(j => unwatched.Contains(j.Worker) && Watchlist.NeedsWatching(j) ? j with { Status = JobStatus.Unknown } : j)];
    }
}
