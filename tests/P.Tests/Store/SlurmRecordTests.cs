using P.Agent;
using P.Cli;
using P.Core;
using P.Store;

namespace P.Tests.Store;

/// <summary>What squeue says of a Slurm job reaches its record, `p ls` and `p ls --json`.</summary>
public sealed class SlurmRecordTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("p-slurm-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void A_pending_job_is_shown_pending_with_its_slurm_id_then_running_then_done_keeping_the_id()
    {
        var store = new JobStore(dir);
        var job = new Job { Id = Guid.NewGuid(), Worker = "hpc", Cwd = "/c", Command = ["make"], Status = JobStatus.Running, StartedAt = DateTimeOffset.UtcNow };
        store.Save(job);
        var id = job.Id.ToString("D");

        var pending = JobRecorder.Apply(store, job, AgentJobState.ParseAll($"{id} running - - open 1700000000 slurm=77,PENDING,Resources\n")[0]);
        var listed = JobListing.From(store.Find(job.Id)!);
        var running = JobRecorder.Apply(store, job, AgentJobState.ParseAll($"{id} running - - open 1700000000 slurm=77,RUNNING,None\n")[0]);
        var done = JobRecorder.Apply(store, job, AgentJobState.ParseAll($"{id} done 0 1700000100 open 1700000000\n")[0]);

        Assert.Equal(("pending", "77", "Resources"), (pending.Describe(), pending.SlurmJobId, pending.SlurmReason));
        Assert.Equal((JobStatus.Pending, "77", "PENDING"), (listed.Status, listed.SlurmJobId, listed.SlurmState));
        Assert.Equal("running", running.Describe());
        Assert.Equal(("done [0]", "77", null), (done.Describe(), done.SlurmJobId, done.SlurmState));
    }
}
