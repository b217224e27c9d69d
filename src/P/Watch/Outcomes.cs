using P.Agent;
using P.Core;
using P.Store;

namespace P.Watch;

/// <summary>
/// Records what a worker said of its jobs, and removes afterwards the
/// half-synced dirs of starts that never happened: one way for the watcher
/// and the reconciler alike.
/// </summary>
internal sealed class Outcomes(JobStore store)
{
    private readonly List<Guid> unstarted = [];

    public void Record(Job job, AgentJobState state)
    {
        JobRecorder.Apply(store, job, state);
        if (job.Status == JobStatus.Starting && state.NeverStarted)
        {
            unstarted.Add(job.Id);
        }
    }

    public async Task CleanUpAsync(AgentApi agent, CancellationToken ct)
    {
        if (unstarted.Count > 0)
        {
            await agent.RemoveAsync([.. unstarted], ct);
            unstarted.Clear();
        }
    }
}
