using P.Core;
using P.Store;

namespace P.Watch;

/// <summary>The jobs of a worker that somebody must still hear the end of.</summary>
internal static class Watchlist
{
    public static IReadOnlyList<Job> For(JobStore store, string worker) =>
        [.. store.All().Where(j => j.Worker == worker && NeedsWatching(j))];

    public static bool NeedsWatching(Job job) =>
        job.Status is JobStatus.Running or JobStatus.Unknown || InterruptedStart(job);

    // A start on another machine (a shared home) is that machine's to judge;
    // after this long without an answer it is taken for interrupted.
    private static readonly TimeSpan ForeignStartLimit = TimeSpan.FromHours(1);

    /// <summary>
    /// A start whose p process is gone (that very process: same host, boot
    /// and start time, not a later one with its pid): the job may never have
    /// reached the worker.
    /// </summary>
    public static bool InterruptedStart(Job job) =>
        job.Status == JobStatus.Starting && (job.Starter?.IsAlive() switch
        {
            null when job.Starter is null => true,
            null => DateTimeOffset.UtcNow - job.StartedAt > ForeignStartLimit,
            var alive => alive == false,
        });
}
