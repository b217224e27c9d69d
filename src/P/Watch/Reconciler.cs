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

    public async Task RefreshAsync(CancellationToken ct)
    {
        var store = new JobStore(paths.JobsDir, context.Err);
        var config = new ConfigStore(paths.ConfigFile).Load();
        var groups = store.All().Where(Watchlist.NeedsWatching).GroupBy(j => j.Worker);
        await Task.WhenAll(groups.Select(g => config.Find(g.Key) is { } worker
            ? RefreshWorkerAsync(store, worker, [.. g], ct)
            : Task.CompletedTask));
    }

    private async Task RefreshWorkerAsync(JobStore store, Worker worker, IReadOnlyList<Job> jobs, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(Limit);
        var agent = WorkerLink.Open(worker, paths, context).Agent;
        try
        {
            var states = await agent.StatusAsync(jobs.Select(j => j.Id), deadline.Token);
            var unstarted = new List<Guid>();
            foreach (var (job, state) in jobs.Zip(states))
            {
                JobRecorder.Apply(store, job, state);
                if (job.Status == JobStatus.Starting && state.NeverStarted)
                {
                    unstarted.Add(job.Id);
                }
            }
            if (unstarted.Count > 0)
            {
                await agent.RemoveAsync(unstarted, deadline.Token);
            }
        }
        catch (Exception e) when (e is UserError or OperationCanceledException && !ct.IsCancellationRequested)
        {
            context.Err.WriteLine($"p: could not reach worker '{worker.Name}' to refresh its jobs: they stay `unknown`.");
        }
    }
}
