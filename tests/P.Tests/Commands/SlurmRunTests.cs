using P.Core;
using P.Store;
using P.Tests.Support;

namespace P.Tests.Commands;

/// <summary>Runs on a Slurm worker in-process, against a fake worker: srun's words on the start call.</summary>
public sealed class SlurmRunTests : IDisposable
{
    private readonly InProcessP p = new();
    private readonly FakeWorker worker = new();

    public SlurmRunTests() => p.Worker = worker;

    public void Dispose() => p.Dispose();

    [Fact]
    public async Task Register_keeps_the_scheduler_and_srun_args_and_a_run_sends_them_as_words_before_the_command()
    {
        var registered = await p.RunAsync("worker", "register", "login1", "--slurm", "--srun-args", "-c 2 --comment='a b; $(x)'");
        worker.On("start", call =>
        {
            call.Ok();
            call.Trailer(call.JobId, "done", 0);
            return Task.FromResult(0);
        });

        var run = await p.RunAsync("-n", "--", "hostname");

        Assert.Equal(0, registered.ExitCode);
        Assert.Equal(new SlurmSettings("-c 2 --comment='a b; $(x)'"), new ConfigStore(p.ConfigFile).Load().Get("login1").Slurm);
        Assert.Equal(0, run.ExitCode);
        var args = Assert.Single(worker.Calls).Args;
        var r = args.ToList().IndexOf("-r");
        Assert.Equal("3", args[r + 1]);
        Assert.Equal(["-c", "2", "--comment=a b; $(x)", "hostname"], args.TakeLast(4));
    }

    [Fact]
    public async Task Srun_args_given_to_a_run_replace_the_defaults_and_are_refused_on_another_worker()
    {
        await p.RunAsync("worker", "register", "login1", "--slurm", "--srun-args", "-c 2");
        await p.RunAsync("worker", "register", "plain");
        worker.On("start", call =>
        {
            call.Ok();
            call.Trailer(call.JobId, "done", 0);
            return Task.FromResult(0);
        });

        var run = await p.RunAsync("-n", "login1", "--srun-args", "--time=5 -J \"my job\"", "--", "true");
        var refused = await p.RunAsync("-n", "plain", "--srun-args", "-c 2", "--", "true");
        var unbalanced = await p.RunAsync("-n", "login1", "--srun-args", "-J 'open", "--", "true");

        Assert.Equal(0, run.ExitCode);
        var args = Assert.Single(worker.Calls).Args;
        Assert.Equal(["-r", "3"], args.Take(4).Skip(2));
        Assert.Equal(["--time=5", "-J", "my job", "true"], args.TakeLast(4));
        Assert.Equal((2, "p: --srun-args is for Slurm workers, and 'plain' is not one (see `p worker register --slurm`).\n"), (refused.ExitCode, refused.Err));
        Assert.Equal(2, unbalanced.ExitCode);
        Assert.Contains("unbalanced '", unbalanced.Err, StringComparison.Ordinal);
        Assert.Single(p.Jobs.All());
    }
}
