using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.Management;

/// <summary>`p stop &lt;id&gt;`: the whole process tree goes, the record says stopped.</summary>
[Collection(ManagementJobsCollection.Name)]
public sealed class StopTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task Stop_kills_the_whole_tree_even_children_that_ignore_sigint()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        // The background sleep ignores INT (async commands of a non-interactive sh),
        // the foreground one inherits the trap's ignore.
        var id = await world.StartDetached(world.ClientHome, "sh -c 'sleep 300 & trap \"\" INT; sleep 301'");
        await E2e.WaitFor(
            () => ManagementE2e.LiveProcesses(worker.Home, "sleep 300", "sleep 301").Count == 2,
            "both sleeps of the job to run on the worker");

        var stop = await world.P(world.ClientHome, "stop", id);

        stop.AssertExit(0);
        Assert.Contains("SIG", stop.Stderr, StringComparison.Ordinal);
        Assert.Contains(ManagementE2e.Short(id), stop.Stderr, StringComparison.Ordinal);
        var left = ManagementE2e.LiveProcesses(worker.Home, "sleep 300", "sleep 301");
        Assert.True(left.Count == 0, $"after p stop, the job's processes still run:\n{string.Join('\n', left)}\n{stop}");
        var job = world.Record(id);
        Assert.Equal("stopped", job.GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Number, job.GetProperty("exit_code").ValueKind);
        Assert.True(File.Exists(Path.Combine(worker.JobDir(id), "exitcode")), "the worker should have the stopped job's exit code");
        TrustMatrix.Record(TrustMatrix.Kind.Fault, "p stop on a tree whose children ignore SIGINT", job: "whole tree gone", record: "stopped", exitCode: "kept on worker");
    }

    [Fact]
    public async Task Stopping_a_finished_job_has_nothing_to_stop_and_an_unknown_id_is_an_error()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var id = await world.StartDetached(world.ClientHome, "echo quick; exit 4");
        await worker.WaitForExitCode(id);

        var stop = await world.P(world.ClientHome, "stop", id);

        stop.AssertExit(0);
        Assert.Contains("nothing to stop", stop.Stderr, StringComparison.Ordinal);
        var job = world.Record(id);
        Assert.Equal("done", job.GetProperty("status").GetString());
        Assert.Equal(4, job.GetProperty("exit_code").GetInt32());

        var unknown = await world.P(world.ClientHome, "stop", id.StartsWith("0000", StringComparison.Ordinal) ? "ffff" : "0000");
        unknown.AssertOneLineError();
        TrustMatrix.Record(TrustMatrix.Kind.BadInput, "p stop of a finished job; of an unknown id", job: "untouched", record: "done [4] kept", exitCode: "one-line error");
    }
}
