using P.Core;
using P.Tests.Support;

namespace P.Tests.Commands;

/// <summary>`p wait` in-process, against a fake worker's event stream.</summary>
public sealed class WaitCommandTests : IDisposable
{
    private readonly InProcessP p = new();
    private readonly FakeWorker worker = new();

    public WaitCommandTests()
    {
        p.RegisterWorker();
        p.Worker = worker;
    }

    public void Dispose() => p.Dispose();

    private Job Save(JobStatus status, int? exitCode = null)
    {
        var job = new Job
        {
            Id = Guid.NewGuid(),
            Worker = "w1",
            Cwd = p.Home,
            Command = ["make"],
            Status = status,
            ExitCode = exitCode,
            StartedAt = DateTimeOffset.UtcNow,
        };
        p.Jobs.Save(job);
        return job;
    }

    private static string Line(Job job, string state, int? code) =>
        $"job {job.Id:D} {state} {(code is { } c ? c.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-")} 1700000010 open 1700000000\n";

    [Fact]
    public async Task A_finished_job_returns_its_code_at_once_without_asking_its_worker()
    {
        var job = Save(JobStatus.Done, 4);

        var outcome = await p.RunAsync("wait", job.ShortId);

        Assert.Equal(4, outcome.ExitCode);
        Assert.Empty(worker.Calls);
    }

    [Fact]
    public async Task Running_jobs_are_followed_until_they_end_and_the_first_non_zero_in_order_wins()
    {
        var first = Save(JobStatus.Running);
        var second = Save(JobStatus.Running);
        var third = Save(JobStatus.Done, 0);
        worker.On("events", call =>
        {
            Assert.Equal(new[] { first.Id.ToString("D"), second.Id.ToString("D") }.Order(), call.Args.Order());
            call.Ok();
            call.Out("hb 1700000001\n");
            call.Out(Line(second, "done", 9));
            call.Out(Line(first, "stopped", 130));
            return Task.FromResult(0);
        });

        var outcome = await p.RunAsync("wait", third.ShortId, first.ShortId, second.ShortId);

        Assert.Equal(130, outcome.ExitCode);
        Assert.Equal(["events"], worker.Verbs);
        Assert.Equal(JobStatus.Stopped, p.Jobs.Find(first.Id)!.Status);
        Assert.Equal(9, p.Jobs.Find(second.Id)!.ExitCode);
    }

    [Fact]
    public async Task A_lost_job_is_a_failure_that_says_so()
    {
        var job = Save(JobStatus.Unknown);
        worker.On("events", call =>
        {
            call.Ok();
            call.Out(Line(job, "lost", null));
            return Task.FromResult(0);
        });

        var outcome = await p.RunAsync("wait", job.ShortId);

        Assert.Equal(1, outcome.ExitCode);
        Assert.Equal($"p: job {job.ShortId} is lost: its worker has no exit code for it.\n", outcome.Err);
    }

    [Fact]
    public async Task The_timeout_gives_up_with_its_own_code_and_names_what_still_runs()
    {
        var job = Save(JobStatus.Running);
        worker.On("events", async call =>
        {
            call.Ok();
            await Task.Delay(Timeout.Infinite, call.Cancelled).ContinueWith(_ => { }, TaskScheduler.Default);
            return 255;
        });

        var outcome = await p.RunAsync("wait", "--timeout", "0.2", job.ShortId);

        Assert.Equal(124, outcome.ExitCode);
        Assert.Equal($"p: gave up after 0.2 s; still running: {job.ShortId}.\n", outcome.Err);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("soon")]
    public async Task A_bad_timeout_is_a_usage_error(string timeout)
    {
        var job = Save(JobStatus.Running);

        var outcome = await p.RunAsync("wait", "--timeout", timeout, job.ShortId);

        Assert.Equal(2, outcome.ExitCode);
        Assert.Empty(worker.Calls);
    }
}
