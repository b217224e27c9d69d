using System.Diagnostics;
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

    /// <summary>A start whose p process is gone: the job may never have reached the worker.</summary>
    public static bool InterruptedStart(Job job)
    {
        if (job.Status != JobStatus.Starting)
        {
            return false;
        }
        if (job.StarterPid is not { } pid)
        {
            return true;
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
