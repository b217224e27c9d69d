using System.Text;
using P.Cli;
using P.Core;
using P.Tests.Support;

namespace P.Tests.Cli;

/// <summary>`p completion` and the hidden `p __complete` it relies on, in-process against a private HOME.</summary>
public sealed class CompletionTests : IDisposable
{
    private readonly InProcessP p = new();

    public void Dispose() => p.Dispose();

    private Job SaveJob(JobStatus status, DateTimeOffset startedAt, params string[] command)
    {
        var job = new Job
        {
            Id = Guid.NewGuid(),
            Worker = "local",
            Cwd = p.Home,
            Command = command,
            Status = status,
            ExitCode = status == JobStatus.Done ? 3 : null,
            StartedAt = startedAt,
        };
        p.Jobs.Save(job);
        return job;
    }

    [Fact]
    public async Task Complete_workers_lists_the_registered_names_in_config_order()
    {
        Assert.Equal(0, (await p.RunAsync("worker", "register", "local")).ExitCode);
        Assert.Equal(0, (await p.RunAsync("worker", "register", "alice@h1", "-n", "beefy")).ExitCode);

        var result = await p.RunAsync("__complete", "workers");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Err);
        Assert.Equal(["local", "beefy"], result.NonEmptyOutLines);
    }

    [Fact]
    public async Task Complete_jobs_lists_short_ids_newest_first()
    {
        var now = DateTimeOffset.UtcNow;
        var old = SaveJob(JobStatus.Done, now.AddHours(-2), "make");
        var newest = SaveJob(JobStatus.Running, now, "sleep", "100");
        var middle = SaveJob(JobStatus.Stopped, now.AddHours(-1), "true");

        var result = await p.RunAsync("__complete", "jobs");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Err);
        Assert.Equal([newest.ShortId, middle.ShortId, old.ShortId], result.NonEmptyOutLines);
        Assert.All(result.NonEmptyOutLines, id => Assert.Matches("^[0-9a-f]{8}$", id));
    }

    [Fact]
    public async Task Complete_jobs_running_keeps_the_jobs_that_may_still_run()
    {
        var now = DateTimeOffset.UtcNow;
        var running = SaveJob(JobStatus.Running, now, "a");
        var unknown = SaveJob(JobStatus.Unknown, now.AddMinutes(-1), "b");
        SaveJob(JobStatus.Done, now.AddMinutes(-2), "c");
        SaveJob(JobStatus.Stopped, now.AddMinutes(-3), "d");
        SaveJob(JobStatus.Lost, now.AddMinutes(-4), "e");

        var result = await p.RunAsync("__complete", "jobs", "--running");

        Assert.Equal([running.ShortId, unknown.ShortId], result.NonEmptyOutLines);
    }

    [Fact]
    public async Task Complete_jobs_describe_adds_status_worker_and_one_line_command_after_a_colon()
    {
        var job = SaveJob(JobStatus.Done, DateTimeOffset.UtcNow, "make\n&& make test");

        var result = await p.RunAsync("__complete", "jobs", "--describe");

        Assert.Equal([$"{job.ShortId}:done [3] local make && make test"], result.NonEmptyOutLines);
    }

    [Fact]
    public async Task Complete_prints_nothing_and_succeeds_without_any_store()
    {
        foreach (var what in new[] { "workers", "jobs" })
        {
            var result = await p.RunAsync("__complete", what);

            Assert.Equal(new InProcessP.Outcome(0, "", ""), result);
        }
    }

    [Fact]
    public async Task Complete_prints_nothing_on_a_broken_config_or_without_HOME()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(p.ConfigFile)!);
        File.WriteAllText(p.ConfigFile, "workers: [ {name: 'bad name', connection: x} ]\n");
        Assert.Equal(new InProcessP.Outcome(0, "", ""), await p.RunAsync("__complete", "workers"));

        p.Env.Remove("HOME");
        Assert.Equal(new InProcessP.Outcome(0, "", ""), await p.RunAsync("__complete", "jobs"));
    }

    [Fact]
    public async Task Complete_is_hidden_from_help()
    {
        var result = await p.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("completion", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("__complete", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completion_help_says_how_to_load_the_scripts()
    {
        var result = await p.RunAsync("completion", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("source <(p completion bash)", result.Out, StringComparison.Ordinal);
        Assert.Contains("source <(p completion zsh)", result.Out, StringComparison.Ordinal);
        Assert.Contains("fpath", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_shell_is_a_one_line_usage_error()
    {
        var result = await p.RunAsync("completion", "fish");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Equal("", result.Out);
        var line = Assert.Single(result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("p: ", line, StringComparison.Ordinal);
        Assert.Contains("bash, zsh", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bash", "complete -F _p p")]
    [InlineData("zsh", "#compdef p")]
    public async Task Completion_prints_the_script_for_the_shell(string shell, string marker)
    {
        var result = await p.RunAsync("completion", shell);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Err);
        Assert.Contains(marker, result.Out, StringComparison.Ordinal);
        Assert.Contains("__complete", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bash")]
    [InlineData("zsh")]
    public async Task The_script_passes_the_shells_syntax_check(string shell)
    {
        // A missing shell fails rather than skips: .ci/run installs both.
        var path = Exec.Find(shell) ?? throw new InvalidOperationException($"{shell} is missing: apt-get install {shell}");
        var script = Path.Combine(p.Home, $"p.{shell}");
        File.WriteAllText(script, (await p.RunAsync("completion", shell)).Out);

        var check = await Exec.RunAsync([path, "-n", script]);

        Assert.True(check.ExitCode == 0, $"{shell} -n: {check.Stderr}");
        Assert.Equal("", check.Stderr);
    }

    [Fact]
    public async Task The_bash_script_is_clean_under_shellcheck()
    {
        var shellcheck = Exec.Find("shellcheck") ?? throw new InvalidOperationException("shellcheck is missing: apt-get install shellcheck");
        var script = Encoding.UTF8.GetBytes((await p.RunAsync("completion", "bash")).Out);

        var check = await Exec.RunAsync([shellcheck, "-s", "bash", "-"], script);

        Assert.True(check.ExitCode == 0, Encoding.UTF8.GetString(check.Stdout) + check.Stderr);
    }
}
