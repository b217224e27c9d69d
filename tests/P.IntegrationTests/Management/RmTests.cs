using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.Management;

/// <summary>`p rm`: records and worker directories go together, running jobs need -f.</summary>
[Collection(ManagementCleanupCollection.Name)]
public sealed class RmTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task Rm_refuses_a_running_job_and_rm_f_stops_and_removes_it()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var id = await world.StartDetached(world.ClientHome, $"echo held; {ManagementE2e.WaitForGate(worker.Gate())}");
        await worker.WaitForLog(id, "held");

        var refused = await world.P(world.ClientHome, "rm", id);

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains(ManagementE2e.Short(id), refused.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(world.RecordPath(id)), $"the record must stay\n{refused}");
        Assert.True(Directory.Exists(worker.JobDir(id)) && Directory.Exists(worker.WorkDir(id)), $"the worker's dirs must stay\n{refused}");
        Assert.False(File.Exists(Path.Combine(worker.JobDir(id), "exitcode")), "the refused rm must not stop the job");

        var forced = await world.P(world.ClientHome, "rm", "-f", id);

        forced.AssertExit(0);
        Assert.False(File.Exists(world.RecordPath(id)), forced.ToString());
        Assert.False(Directory.Exists(worker.JobDir(id)), forced.ToString());
        Assert.False(Directory.Exists(worker.WorkDir(id)), forced.ToString());
        var session = await world.Ssh("w1", $"{WorkerHome.Tmux} has-session -t p-{id}");
        Assert.NotEqual(0, session.ExitCode);
        TrustMatrix.Record(TrustMatrix.Kind.BadInput, "p rm of a running job (without -f)", job: "ran on until rm -f", record: "kept, then removed", exitCode: "non-zero");
    }

    [Fact]
    public async Task Rm_of_finished_jobs_removes_their_records_and_their_directories_on_the_worker()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        // One whose session closed (no terminal), one whose done screen still waits for a key.
        var run = await world.P(world.ClientHome, "--", "echo finished > artifact.txt; exit 2");
        run.AssertExit(2);
        var closed = world.SingleJob().GetProperty("id").GetString()!;
        Assert.True(File.Exists(Path.Combine(worker.WorkDir(closed), "artifact.txt")));
        var open = await world.StartDetached(world.ClientHome, "exit 0");
        await worker.WaitForExitCode(open);

        var rm = await world.P(world.ClientHome, "rm", closed, open[..6]);

        rm.AssertExit(0);
        foreach (var id in new[] { closed, open })
        {
            Assert.False(File.Exists(world.RecordPath(id)), $"record of {id} kept\n{rm}");
            Assert.False(Directory.Exists(worker.JobDir(id)), $"~/.p/jobs/{id} is still on the worker\n{rm}");
            Assert.False(Directory.Exists(worker.WorkDir(id)), $"~/.p/workdirs/{id} is still on the worker\n{rm}");
        }
        var session = await world.Ssh("w1", $"{WorkerHome.Tmux} has-session -t p-{open}");
        Assert.True(session.ExitCode != 0, $"the removed job's session is still open\n{session}");
    }

    [Fact]
    public async Task Rm_done_removes_every_finished_job_and_keeps_the_running_one()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        (await world.P(world.ClientHome, "--", "exit 0")).AssertExit(0);
        (await world.P(world.ClientHome, "--", "exit 1")).AssertExit(1);
        var finished = world.Jobs().Select(j => j.GetProperty("id").GetString()!).ToList();
        var running = await world.StartDetached(world.ClientHome, $"echo held; {ManagementE2e.WaitForGate(worker.Gate())}");
        await worker.WaitForLog(running, "held");

        var rm = await world.P(world.ClientHome, "rm", "--done");

        rm.AssertExit(0);
        Assert.Equal(2, finished.Count);
        foreach (var id in finished)
        {
            Assert.False(File.Exists(world.RecordPath(id)), $"record of {id} kept\n{rm}");
            Assert.False(Directory.Exists(worker.JobDir(id)), $"job dir of {id} kept\n{rm}");
            Assert.False(Directory.Exists(worker.WorkDir(id)), $"work dir of {id} kept\n{rm}");
        }
        Assert.True(File.Exists(world.RecordPath(running)), $"the running job's record must stay\n{rm}");
        Assert.True(Directory.Exists(worker.JobDir(running)) && Directory.Exists(worker.WorkDir(running)), rm.ToString());
        Assert.False(File.Exists(Path.Combine(worker.JobDir(running), "exitcode")), "rm --done must not stop the running job");
    }

    [Fact]
    public async Task Rm_keeps_the_record_of_a_job_whose_worker_cannot_be_reached()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();
        (await world.P(world.ClientHome, "-n", "--", "true")).AssertExit(0);
        var template = world.SingleJob();
        (await world.P(world.ClientHome, "worker", "register", "nobody@127.0.0.1:1", "-n", "dead")).AssertExit(0);
        var id = Guid.NewGuid().ToString("D");
        world.WriteRecord(template, id, "dead", "done", 0);

        var rm = await world.P(world.ClientHome, "rm", id);

        Assert.NotEqual(0, rm.ExitCode);
        Assert.True(File.Exists(world.RecordPath(id)), $"the record must be kept\n{rm}");
        Assert.Contains("dead", rm.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", rm.Stderr, StringComparison.Ordinal);
        TrustMatrix.Record(TrustMatrix.Kind.Fault, "p rm with the worker unreachable", job: "-", record: "kept", exitCode: "non-zero, one line");
    }
}
