using P.Agent;
using P.Cli;
using P.Core;
using P.Store;

namespace P.Watch;

/// <summary>
/// Asks the workers about every job the client cannot vouch for, in parallel,
/// and records the answers: `p ls --refresh` in the foreground; the watcher
/// does the same continuously in the background.
/// </summary>
internal sealed class Reconciler(PContext context, Paths paths)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    /// <summary>Asks every worker about the jobs that need it.</summary>
    public async Task RefreshAsync(CancellationToken ct) => await RefreshAsync(null, ct);

    /// <summary>Asks the workers (all, or only <paramref name="workers"/>) about the jobs that need it; returns the workers that could not be asked.</summary>

    public async Task<IReadOnlySet<string>> RefreshAsync(IReadOnlySet<string>? workers, CancellationToken ct, JobStore? jobs = null)
    {
        var store = jobs ?? new JobStore(paths.JobsDir, context.Err);
        var config = new ConfigStore(paths.ConfigFile).Load();
        var groups = store.All().Where(Watchlist.NeedsWatching).Where(j => workers is null || workers.Contains(j.Worker)).GroupBy(j => j.Worker);
        var answered = await Task.WhenAll(groups.Select(async g => (g.Key, Asked: config.Find(g.Key) is { } worker && await RefreshWorkerAsync(store, worker, [.. g], ct))));
        return answered.Where(a => !a.Asked).Select(a => a.Key).ToHashSet();
    }

    private async Task<bool> RefreshWorkerAsync(JobStore store, Worker worker, IReadOnlyList<Job> jobs, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(Limit);
        var agent = WorkerLink.Open(worker, paths, context).Agent;
        try
        {
            var states = await agent.StatusAsync(jobs.Select(j => j.Id), deadline.Token);
            var outcomes = new Outcomes(store);
            foreach (var (job, state) in jobs.Zip(states))
            {
                outcomes.Record(job, state);
            }
            await outcomes.CleanUpAsync(agent, deadline.Token);
            return true;
        }
        catch (Exception e) when (e is UserError or OperationCanceledException && !ct.IsCancellationRequested)
        {
            context.Err.WriteLine($"p: could not reach worker '{worker.Name}' to refresh its jobs: they stay `unknown`.");
            return false;
        }
    }
}
