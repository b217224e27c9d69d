using P.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace P.IntegrationTests.RunFlow;

/// <summary>`p -- cmd` without a terminal, over a real sshd: output, exit codes, argv, store.</summary>
[Collection(SshdCollection.Name)]
public sealed class RunOverSshTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task Several_words_are_an_argv_passed_exactly()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();
        string[] words = ["a b", "it's", "\"dq\"", "$HOME", "`id`", "a;b", "*", "x\\y", "new\nline", "!!", "ü€", ""];

        var result = await world.P(world.ClientHome, ["-n", "--", "printf", "[%s]", .. words], PCli.DefaultTimeout);

        result.AssertExit(0);
        Assert.Equal(string.Concat(words.Select(w => $"[{w}]")), result.Stdout);
    }

    [Fact]
    public async Task One_word_is_a_shell_command_line()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();

        var result = await world.P(world.ClientHome, "-n", "--", "echo one && echo two; exit 3");

        result.AssertExit(3);
        Assert.Equal("one\ntwo\n", result.Stdout);
        // As ssh: from a script, p adds nothing of its own to the job's stderr.
        Assert.Equal("", result.Stderr);
    }

    [Theory]
    [InlineData("exit 0", 0)]
    [InlineData("exit 3", 3)]
    [InlineData("kill -KILL $$", 137)]
    [InlineData("kill -TERM $$", 143)]
    public async Task The_jobs_exit_code_becomes_ps_exit_code(string line, int expected)
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();

        var result = await world.P(world.ClientHome, "-n", "--", line);

        result.AssertExit(expected);
        var job = world.SingleJob();
        Assert.Equal(expected, job.GetProperty("exit_code").GetInt32());
        Assert.Equal("done", job.GetProperty("status").GetString());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, job.GetProperty("ended_at").ValueKind);
    }

    [Fact]
    public async Task The_job_runs_in_its_work_dir_in_the_login_environment_and_its_files_are_laid_out_as_specified()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker("w1", home =>
        {
            Directory.CreateDirectory(Path.Combine(home, "tools"));
            File.WriteAllText(Path.Combine(home, "tools", "mytool"), "#!/bin/sh\necho mytool-ran\n");
            File.SetUnixFileMode(Path.Combine(home, "tools", "mytool"), (UnixFileMode)0b111_101_101);
            File.WriteAllText(Path.Combine(home, ".profile"), "PATH=\"$HOME/tools:$PATH\"; export PATH\n");
        });
        var src = world.CreateClientDir("proj");

        var result = await world.P(src, "--", "mytool; pwd");

        result.AssertExit(0);
        var job = world.SingleJob();
        var id = job.GetProperty("id").GetString()!;
        Assert.Equal($"mytool-ran\n{worker.WorkDir(job)}\n", result.Stdout);
        var jobDir = worker.JobDir(job);
        foreach (var file in new[] { "cmd", "cwd", "worker", "started_at", "output.log", "exitcode", "tmux_session" })
        {
            Assert.True(File.Exists(Path.Combine(jobDir, file)), $"missing {file}");
        }
        Assert.Equal("mytool; pwd\n", File.ReadAllText(Path.Combine(jobDir, "cmd")));
        Assert.Equal(src + "\n", File.ReadAllText(Path.Combine(jobDir, "cwd")));
        Assert.Equal("w1\n", File.ReadAllText(Path.Combine(jobDir, "worker")));
        Assert.Equal($"p-{id}\n", File.ReadAllText(Path.Combine(jobDir, "tmux_session")));
        Assert.Equal("0\n", File.ReadAllText(Path.Combine(jobDir, "exitcode")));
        foreach (var dir in new[] { ".p", ".p/jobs", ".p/workdirs", ".p/bin", $".p/jobs/{id}", $".p/workdirs/{id}" })
        {
            Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(worker.PathInHome(dir)));
        }
        Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(worker.PathInHome(".p/bin/p-agent")));
    }

    [Fact]
    public async Task The_first_line_a_job_prints_at_once_is_in_its_log()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();

        // With a terminal (pipe-pane) and without (tee): both logs start at the first byte.
        for (var i = 0; i < 6; i++)
        {
            var tty = i % 2 == 0;
            var result = await world.P(world.ClientHome, [tty ? "-t" : "-T", "-n", "-d", "--", "echo", $"first-line-{i}"], PCli.DefaultTimeout);
            result.AssertExit(0);
            var id = result.Stdout.Trim();
            var jobDir = worker.PathInHome($".p/jobs/{id}");
            await E2e.WaitFor(() => File.Exists(Path.Combine(jobDir, "exitcode")), "the job to end");
            Assert.StartsWith($"first-line-{i}{(tty ? "\r\n" : "\n")}", File.ReadAllText(Path.Combine(jobDir, "output.log")), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Detach_prints_the_id_at_once_and_the_job_runs_on()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var gate = worker.PathInHome("gate");

        var result = await world.P(world.ClientHome, "-d", "--", $"while [ ! -f {gate} ]; do sleep 0.1; done; echo released");

        result.AssertExit(0);
        var id = result.Stdout.Trim();
        Assert.True(Guid.TryParse(id, out _), result.ToString());
        var job = world.SingleJob();
        Assert.Equal("running", job.GetProperty("status").GetString());
        var jobDir = worker.PathInHome($".p/jobs/{id}");
        Assert.False(File.Exists(Path.Combine(jobDir, "exitcode")));
        await File.WriteAllTextAsync(gate, "");
        await E2e.WaitFor(() => File.Exists(Path.Combine(jobDir, "exitcode")), "the detached job to finish");
        Assert.Contains("released", File.ReadAllText(Path.Combine(jobDir, "output.log")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_sync_gives_the_job_an_empty_work_dir()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();
        var src = world.CreateClientDir("proj");
        File.WriteAllText(Path.Combine(src, "local-only.txt"), "x");

        var result = await world.P(src, "-n", "--", "ls -A | wc -l");

        result.AssertExit(0);
        Assert.Equal("0", result.Stdout.Trim());
    }

    [Fact]
    public async Task Without_a_terminal_output_streams_while_the_job_runs()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var gate = worker.PathInHome("gate");

        using var streaming = StreamingProcess.Start(world, "-n", "--", $"echo before-gate; while [ ! -f {gate} ]; do sleep 0.1; done; echo after-gate; exit 4");
        await streaming.WaitForOutput("before-gate");
        Assert.DoesNotContain("after-gate", streaming.Output, StringComparison.Ordinal);
        await File.WriteAllTextAsync(gate, "");
        var code = await streaming.WaitForExit();

        Assert.Equal(4, code);
        Assert.Equal("before-gate\nafter-gate\n", streaming.Output);
    }

    [Theory]
    [InlineData("INT", 8)]
    [InlineData("TERM", 9)]
    [InlineData("HUP", 10)]
    public async Task A_signal_to_a_streaming_p_reaches_the_job_and_p_ends_with_its_code(string signal, int code)
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();
        using var streaming = StreamingProcess.Start(world, "-n", "--", $"trap 'echo got-{signal}; exit {code}' {signal}; echo started; while :; do sleep 0.1; done");
        await streaming.WaitForOutput("started");

        await Signal(signal, streaming.Pid);

        Assert.Equal(code, await streaming.WaitForExit());
        Assert.Equal($"started\ngot-{signal}\n", streaming.Output);
        Assert.Equal(code, world.SingleJob().GetProperty("exit_code").GetInt32());
    }

    [Fact]
    public async Task A_second_sigint_within_two_seconds_leaves_the_job_running()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var gate = worker.PathInHome("gate");
        using var streaming = StreamingProcess.Start(world, "-n", "--", $"trap 'echo got-int' INT; echo started; while [ ! -f {gate} ]; do sleep 0.1; done; exit 8");
        await streaming.WaitForOutput("started");

        await Signal("INT", streaming.Pid);
        await Signal("INT", streaming.Pid);

        Assert.Equal(130, await streaming.WaitForExit());
        var id = world.SingleJob().GetProperty("id").GetString()!;
        Assert.False(File.Exists(worker.PathInHome($".p/jobs/{id}/exitcode")), "the job must outlive p");
        Assert.Equal("running", world.SingleJob().GetProperty("status").GetString());
        await File.WriteAllTextAsync(gate, "");
        await E2e.WaitFor(() => world.SingleJob().GetProperty("status").GetString() == "done", "the watcher to record the job's end");
        Assert.Equal(8, world.SingleJob().GetProperty("exit_code").GetInt32());
    }

    private static async Task Signal(string signal, int pid)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    [Fact]
    public async Task The_store_has_the_job_at_start_and_its_final_state_at_the_end()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var gate = worker.PathInHome("gate");
        var src = world.CreateClientDir("proj");

        var start = await world.P(src, "-d", "--", $"while [ ! -f {gate} ]; do sleep 0.1; done");
        start.AssertExit(0);
        var running = world.SingleJob();
        Assert.Equal("running", running.GetProperty("status").GetString());
        Assert.Equal(src, running.GetProperty("cwd").GetString());
        Assert.Equal("w1", running.GetProperty("worker").GetString());
        await File.WriteAllTextAsync(gate, "");

        var result = await world.P(src, "--", "exit 6");
        result.AssertExit(6);
        var done = world.Jobs().Single(j => j.GetProperty("id").GetString() != running.GetProperty("id").GetString());
        Assert.Equal("done", done.GetProperty("status").GetString());
        Assert.Equal(["exit 6"], done.GetProperty("command").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(Directory.GetFiles(Path.Combine(world.DataHome, "p", "jobs"), "*.tmp"));
    }

    [Fact]
    public async Task A_worker_given_as_user_at_host_port_is_reached_on_that_port()
    {
        using var world = sshd.CreateWorld(output);
        var worker = world.AddWorker("w1");
        (await world.P(world.ClientHome, "worker", "register", worker.UserAtHostPort, "-n", "raw")).AssertExit(0);

        var result = await world.P(world.ClientHome, "raw", "-n", "--", "echo", "via-port");

        result.AssertExit(0);
        Assert.Equal("via-port\n", result.Stdout);
        Assert.True(File.Exists(worker.PathInHome(".p/bin/p-agent")));
    }

    [Fact]
    public async Task A_changed_agent_on_the_worker_is_replaced_on_the_next_connection()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        (await world.P(world.ClientHome, "-n", "--", "true")).AssertExit(0);
        var agent = worker.PathInHome(".p/bin/p-agent");
        var original = File.ReadAllText(agent);
        Assert.Equal(File.ReadAllText(Path.Combine(PCli.RepoRoot, "src", "P", "Agent", "p-agent.sh")), original);

        File.WriteAllText(agent, original.Replace("set -u", "set -u # tampered", StringComparison.Ordinal));
        var result = await world.P(world.ClientHome, "-n", "--", "echo", "still-works");

        result.AssertExit(0);
        Assert.Equal("still-works\n", result.Stdout);
        Assert.Equal(original, File.ReadAllText(agent));
    }

    [Fact]
    public async Task An_unreachable_worker_is_a_one_line_error()
    {
        using var world = sshd.CreateWorld(output);
        (await world.P(world.ClientHome, "worker", "register", "nobody@127.0.0.1:1", "-n", "dead")).AssertExit(0);

        var result = await world.P(world.ClientHome, "-n", "--", "true");

        result.AssertOneLineError();
        Assert.Equal(255, result.ExitCode);
        Assert.Empty(world.Jobs());
    }
}
