using P.Agent;
using P.Core;

namespace P.Store;

/// <summary>
/// Turns what a worker says of a job into its record. Several p processes may
/// learn the same outcome (the attached client, the watcher, a refresh): the
/// record is re-read first, and a removed or already final record is left alone.
/// </summary>
internal static class JobRecorder
{
    public static Job Apply(JobStore store, Job job, AgentJobState state)
    {
        var current = store.Find(job.Id);
        if (current is null)
        {
            return job;
        }
        if (current.Status.IsFinal())
        {
            return current;
        }
        var status = state.Status;
        if (current.Status == JobStatus.Starting && status == JobStatus.Running)
        {
            return current;
        }
        var updated = current.WithStarter(null) with
        {
            Status = status,
            ExitCode = state.ExitCode,
            EndedAt = status == JobStatus.Running ? null : current.StartedAt + (state.RunTime ?? (DateTimeOffset.UtcNow - current.StartedAt)),
            // What squeue said last; a Slurm job that ended keeps its id.
            SlurmJobId = state.Slurm?.Id ?? current.SlurmJobId,
            SlurmState = state.Slurm?.State ?? (status == JobStatus.Running ? current.SlurmState : null),
            SlurmReason = state.Slurm?.Reason,
        };
        if (updated != current)
        {
            store.Save(updated);
        }
        return updated;
    }
}
