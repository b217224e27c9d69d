using System.Runtime.InteropServices;
using P.Cli;
using P.Core;
using P.Tests.Support;

namespace P.Tests.Commands;

/// <summary>The run verb in-process, against a fake worker: what it sends, what it prints, what it records.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly InProcessP p = new();
    private readonly FakeWorker worker = new();

    public RunCommandTests()
    {
        p.RegisterWorker();
        p.Worker = worker;
    }

    public void Dispose() => p.Dispose();

    private Job SingleJob() => Assert.Single(p.Jobs.All());

    [Fact]
    public async Task A_run_from_a_script_is_one_call_that_relays_stdout_and_stderr_and_ends_with_the_jobs_code()
    {
        string? mode = null;
        worker.On("start", call =>
        {
            mode = call.Mode;
            call.Ok();
            call.Out("out\r\x00\xff\n");
            call.Err("err\n");
            call.Trailer(call.JobId, "done", 3);
            return Task.FromResult(0);
        });

        var outcome = await p.RunAsync("-n", "--", "make", "-k");

        Assert.Equal(3, outcome.ExitCode);
        Assert.Equal("out\r\x00\xff\n", outcome.Out);
        Assert.Equal("err\n", outcome.Err);
        Assert.Equal(["start"], worker.Verbs);
        Assert.Equal("pipe", mode);
        var call = Assert.Single(worker.Calls);
        Assert.Equal(["-m", "pipe", SingleJob().Id.ToString("D"), "w1", p.Home, "make -k", $"{SingleJob().SessionName} w1 make -k", "make", "-k"], call.Args);
        Assert.Equal(JobStatus.Done, SingleJob().Status);
        Assert.Equal(3, SingleJob().ExitCode);
    }

    [Fact]
    public async Task Stdin_reaches_the_job_once_the_agent_has_accepted_the_start_and_its_end_too()
    {
        byte[]? received = null;
        p.Stdin = [.. "line one\n"u8, 0, 255];
        worker.On("start", call =>
        {
            call.Ok();
            received = call.ReadRest();
            call.Trailer(call.JobId, "done", 0);
            return Task.FromResult(0);
        });

        var outcome = await p.RunAsync("-n", "--", "wc", "-l");

        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal(p.Stdin, received);
    }

    [Fact]
    public async Task Environment_values_travel_in_the_options_never_in_the_argv_or_the_store()
    {
        const string Value = "a b 'q' \"d\" $HOME\nline2";
        string? env = null;
        byte[]? stdin = null;
        worker.On("start", call =>
        {
            env = call.ReadEnvironment();
            call.Ok();
            stdin = call.ReadRest();
            call.Trailer(call.JobId, "done", 0);
            return Task.FromResult(0);
        });
        p.Stdin = "the job's own stdin"u8.ToArray();
        p.Env["FROM_CLIENT"] = "client value";
        var envFile = Path.Combine(p.Home, "job.env");
        File.WriteAllText(envFile, "# a comment\n\nFILE_VAR=x=y z\nFROM_CLIENT\n");

        var outcome = await p.RunAsync("-n", "--env-file", "job.env", "-e", $"SECRET={Value}", "-e", "FROM_CLIENT", "-e", "NOT_SET_ANYWHERE", "--", "env");

        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal(
            "export FILE_VAR='x=y z'\nexport SECRET='a b '\\''q'\\'' \"d\" $HOME\nline2'\nexport FROM_CLIENT='client value'\n",
            env);
        Assert.Equal(p.Stdin, stdin);
        Assert.DoesNotContain(worker.Calls.SelectMany(c => c.Args), a => a.Contains("client value", StringComparison.Ordinal) || a.Contains("line2", StringComparison.Ordinal));
        Assert.DoesNotContain("line2", File.ReadAllText(Path.Combine(p.JobsDir, $"{SingleJob().Id:D}.json")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-e", "1BAD=x")]
    [InlineData("-e", "A-B=x")]
    [InlineData("--env-file", "missing.env")]
    public async Task A_bad_variable_or_env_file_is_a_usage_error_before_anything_runs(string option, string value)
    {
        var outcome = await p.RunAsync("-n", option, value, "--", "true");

        Assert.Equal(2, outcome.ExitCode);
        Assert.StartsWith("p: ", outcome.Err, StringComparison.Ordinal);
        Assert.Single(outcome.NonEmptyErrLines);
        Assert.Empty(worker.Calls);
        Assert.Empty(p.Jobs.All());
    }

    [Fact]
    public async Task An_agent_that_refuses_the_start_leaves_no_record_and_one_line()
    {
        worker.On("start", call =>
        {
            call.Out("P-AGENT/1 ERR tmux is not installed on this worker: install it there\n");
            return Task.FromResult(1);
        });

        var outcome = await p.RunAsync("-n", "--", "true");

        Assert.Equal(1, outcome.ExitCode);
        Assert.Equal("p: worker 'w1': tmux is not installed on this worker: install it there\n", outcome.Err);
        Assert.Empty(p.Jobs.All());
    }

    [Fact]
    public async Task A_worker_ssh_cannot_reach_leaves_no_record_and_exits_255()
    {
        worker.Unreachable = true;
        worker.On("start", _ => Task.FromResult(255));

        var outcome = await p.RunAsync("-n", "--", "true");

        Assert.Equal(ExitCodes.Unreachable, outcome.ExitCode);
        Assert.StartsWith("p: cannot reach worker 'w1' (ssh: connect to host w1 port 22: Connection refused)", outcome.Err, StringComparison.Ordinal);
        Assert.Empty(p.Jobs.All());
    }

    [Fact]
    public async Task An_agent_that_gives_no_answer_keeps_the_record_starting_for_the_watcher_to_settle()
    {
        // No frame at all: the start may have reached the worker, so the record must stay.
        worker.On("start", _ => Task.FromResult(137));

        var outcome = await p.RunAsync("-n", "--", "true");

        Assert.Equal(ExitCodes.AgentFailure, outcome.ExitCode);
        Assert.StartsWith("p: worker 'w1': the agent did not answer (exit 137)", outcome.Err, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Starting, SingleJob().Status);
        Assert.Null(SingleJob().StarterPid);
    }

    [Fact]
    public async Task A_stream_that_ends_without_the_jobs_end_is_a_lost_link_and_the_job_runs_on()
    {
        worker.On("start", call =>
        {
            call.Ok();
            call.Out("partial\n");
            return Task.FromResult(255);
        });

        var outcome = await p.RunAsync("-n", "--", "make");

        Assert.Equal(253, outcome.ExitCode);
        Assert.Equal("partial\n", outcome.Out);
        Assert.Contains("lost the connection to w1", outcome.Err, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Running, SingleJob().Status);
    }

    [Theory]
    [InlineData(PosixSignal.SIGINT, "INT", 130)]
    [InlineData(PosixSignal.SIGTERM, "TERM", 143)]
    [InlineData(PosixSignal.SIGHUP, "HUP", 129)]
    public async Task A_signal_to_a_streaming_p_is_passed_on_and_p_ends_with_the_jobs_code(PosixSignal signal, string name, int code)
    {
        var accepted = new TaskCompletionSource();
        var passedOn = new TaskCompletionSource<string>();
        worker.On("start", async call =>
        {
            call.Ok();
            accepted.SetResult();
            var got = await passedOn.Task;
            call.Trailer(call.JobId, "done", got == name ? code : 99);
            return 0;
        });
        worker.On("signal", call =>
        {
            call.Ok();
            call.Out("sent\n");
            passedOn.SetResult(call.Args[1]);
            return Task.FromResult(0);
        });

        var run = p.RunAsync("-n", "--", "sleep", "100");
        await accepted.Task;
        Assert.True(p.Signals.Raise(signal));
        var outcome = await run;

        Assert.Equal(code, outcome.ExitCode);
        Assert.Equal(["start", "signal"], worker.Verbs);
        Assert.Equal(JobStatus.Done, SingleJob().Status);
    }

    [Fact]
    public async Task A_second_ctrl_c_within_two_seconds_leaves_the_job_running()
    {
        var accepted = new TaskCompletionSource();
        worker.On("start", async call =>
        {
            call.Ok();
            accepted.SetResult();
            await Task.Delay(Timeout.Infinite, call.Cancelled).ContinueWith(_ => { }, TaskScheduler.Default);
            return 255;
        });
        var signalled = new TaskCompletionSource();
        worker.On("signal", call =>
        {
            call.Ok();
            call.Out("sent\n");
            signalled.SetResult();
            return Task.FromResult(0);
        });
        var clock = new ManualClock();
        p.Clock = clock;

        var run = p.RunAsync("-n", "--", "sleep", "100");
        await accepted.Task;
        p.Signals.Raise(PosixSignal.SIGINT);
        await signalled.Task;
        clock.Advance(TimeSpan.FromSeconds(1.9));
        p.Signals.Raise(PosixSignal.SIGINT);
        var outcome = await run;

        Assert.Equal(130, outcome.ExitCode);
        Assert.Equal(["start", "signal"], worker.Verbs);
        var job = SingleJob();
        Assert.Equal(JobStatus.Running, job.Status);
        Assert.Contains($"left job {job.ShortId} running on w1", outcome.Err, StringComparison.Ordinal);
        Assert.Contains($"p attach {job.ShortId}", outcome.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctrl_c_again_after_two_seconds_is_passed_on_again()
    {
        var accepted = new TaskCompletionSource();
        var signals = 0;
        var second = new TaskCompletionSource();
        worker.On("start", async call =>
        {
            call.Ok();
            accepted.SetResult();
            await second.Task;
            call.Trailer(call.JobId, "done", 130);
            return 0;
        });
        worker.On("signal", call =>
        {
            call.Ok();
            call.Out("sent\n");
            if (Interlocked.Increment(ref signals) == 2)
            {
                second.SetResult();
            }
            return Task.FromResult(0);
        });
        var clock = new ManualClock();
        p.Clock = clock;

        var run = p.RunAsync("-n", "--", "make");
        await accepted.Task;
        p.Signals.Raise(PosixSignal.SIGINT);
        clock.Advance(TimeSpan.FromSeconds(2.5));
        p.Signals.Raise(PosixSignal.SIGINT);
        var outcome = await run;

        Assert.Equal(130, outcome.ExitCode);
        Assert.Equal(["signal", "signal", "start"], worker.Verbs.Order());
    }

    [Theory]
    [InlineData(new[] { "-d" }, "null")]
    [InlineData(new[] { "-d", "-t" }, "tty")]
    [InlineData(new[] { "-d", "-T" }, "null")]
    public async Task Detach_is_one_call_and_has_a_terminal_only_when_asked(string[] flags, string mode)
    {
        string? options = null;
        worker.On("start", call =>
        {
            options = call.Mode;
            call.Ok();
            call.Out("started p-x 1700000000\n");
            return Task.FromResult(0);
        });

        var outcome = await p.RunAsync([.. flags, "-n", "--", "htop"]);

        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal($"{SingleJob().Id:D}\n", outcome.Out);
        Assert.Equal(mode, options);
        Assert.Equal(["start"], worker.Verbs);
        Assert.Equal(JobStatus.Running, SingleJob().Status);
    }

    [Fact]
    public async Task Minus_t_and_minus_T_together_are_a_usage_error()
    {
        var outcome = await p.RunAsync("-t", "-T", "--", "true");

        Assert.Equal(2, outcome.ExitCode);
        Assert.Equal("p: -t and -T contradict each other: give one.\n", outcome.Err);
        Assert.Empty(worker.Calls);
    }

    [Fact]
    public async Task At_a_terminal_with_minus_T_the_job_streams_and_p_reports_its_end()
    {
        worker.On("start", call =>
        {
            Assert.Equal("pipe", call.Mode);
            call.Ok();
            call.Trailer(call.JobId, "done", 0);
            return Task.FromResult(0);
        });

        var outcome = await p.RunAsync(true, "-n", "-T", "--", "true");

        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains($"job {SingleJob().ShortId} on w1 finished [exit 0]", outcome.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--turbo")]
    [InlineData("-x")]
    public async Task An_unknown_option_is_reported_as_one_not_as_a_worker(string option)
    {
        var outcome = await p.RunAsync(option, "--", "make");

        Assert.Equal(2, outcome.ExitCode);
        Assert.Equal($"p: unknown option '{option}': see `p --help`.\n", outcome.Err);
        Assert.Empty(worker.Calls);
    }
}
