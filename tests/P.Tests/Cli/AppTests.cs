using P.Cli;
using P.Core;
using P.Store;
using P.Tests.Support;

namespace P.Tests.Cli;

/// <summary>Runs the whole command line in-process against a private HOME.</summary>
public sealed class AppTests : IDisposable
{
    private readonly InProcessP p = new();

    public void Dispose() => p.Dispose();

    private static void AssertOneLineError(InProcessP.Outcome outcome)
    {
        var line = Assert.Single(outcome.NonEmptyErrLines);
        Assert.StartsWith("p: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", outcome.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Registering_local_succeeds_and_makes_it_the_default()
    {
        var result = await p.RunAsync("worker", "register", "local");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Err);
        Assert.Contains("registered worker 'local'", result.Out, StringComparison.Ordinal);
        Assert.Contains("(default)", result.Out, StringComparison.Ordinal);
        var config = new ConfigStore(p.ConfigFile).Load();
        Assert.Equal("local", config.DefaultWorker);
        Assert.True(Assert.Single(config.Workers).Connection.IsLocal);
    }

    [Fact]
    public async Task Registering_the_same_name_twice_fails_with_one_line()
    {
        Assert.Equal(0, (await p.RunAsync("worker", "register", "local")).ExitCode);

        var again = await p.RunAsync("worker", "register", "local");

        Assert.NotEqual(0, again.ExitCode);
        AssertOneLineError(again);
        Assert.Contains("already registered", again.Err, StringComparison.Ordinal);
        Assert.Single(new ConfigStore(p.ConfigFile).Load().Workers);
    }

    [Fact]
    public async Task A_bad_connection_string_is_a_usage_error()
    {
        var result = await p.RunAsync("worker", "register", "bad..host:99999");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        AssertOneLineError(result);
        Assert.False(File.Exists(p.ConfigFile));
    }

    [Fact]
    public async Task A_reserved_worker_name_is_a_usage_error()
    {
        var result = await p.RunAsync("worker", "register", "alice@build1", "-n", "ls");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        AssertOneLineError(result);
    }

    [Fact]
    public async Task Worker_ls_prints_a_table_marking_the_default()
    {
        await p.RunAsync("worker", "register", "local");
        await p.RunAsync("worker", "register", "alice@build1:2222", "-n", "beefy");

        var result = await p.RunAsync("worker", "ls");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            "NAME   CONNECTION         DEFAULT\n" +
            "local  local              *\n" +
            "beefy  alice@build1:2222\n",
            result.Out);
    }

    [Fact]
    public async Task Worker_ls_with_no_workers_says_how_to_register_one()
    {
        var result = await p.RunAsync("worker", "ls");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Contains("p worker register", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_default_switches_the_default()
    {
        await p.RunAsync("worker", "register", "local");
        await p.RunAsync("worker", "register", "alice@build1");

        var result = await p.RunAsync("worker", "default", "build1");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("build1", new ConfigStore(p.ConfigFile).Load().DefaultWorker);
    }

    [Fact]
    public async Task Worker_default_of_an_unknown_worker_fails()
    {
        await p.RunAsync("worker", "register", "local");

        var result = await p.RunAsync("worker", "default", "nosuch");

        Assert.NotEqual(0, result.ExitCode);
        AssertOneLineError(result);
        Assert.Contains("'nosuch'", result.Err, StringComparison.Ordinal);
        Assert.Equal("local", new ConfigStore(p.ConfigFile).Load().DefaultWorker);
    }

    [Fact]
    public async Task Nothing_after_the_double_dash_is_a_usage_error()
    {
        var result = await p.RunAsync("--");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        AssertOneLineError(result);
    }

    [Fact]
    public async Task A_worker_name_without_a_double_dash_is_a_usage_error_that_mentions_it()
    {
        var result = await p.RunAsync("somename");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        AssertOneLineError(result);
        Assert.Contains("p somename -- ", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_option_is_a_usage_error()
    {
        var result = await p.RunAsync("worker", "ls", "--bogus");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        AssertOneLineError(result);
    }

    [Fact]
    public async Task Worker_rm_of_a_worker_with_a_running_job_is_refused_and_names_the_job()
    {
        await p.RunAsync("worker", "register", "local");
        var job = new Job
        {
            Id = Guid.NewGuid(),
            Worker = "local",
            Cwd = p.Home,
            Command = ["sleep", "100"],
            Status = JobStatus.Running,
            StartedAt = DateTimeOffset.UtcNow,
        };
        p.Jobs.Save(job);

        var result = await p.RunAsync("worker", "rm", "local");

        Assert.NotEqual(0, result.ExitCode);
        AssertOneLineError(result);
        Assert.Contains(job.ShortId, result.Err, StringComparison.Ordinal);
        Assert.Single(new ConfigStore(p.ConfigFile).Load().Workers);
    }

    [Fact]
    public async Task Worker_rm_ignores_finished_jobs_and_moves_the_default()
    {
        await p.RunAsync("worker", "register", "local");
        await p.RunAsync("worker", "register", "alice@build1");
        p.Jobs.Save(new Job
        {
            Id = Guid.NewGuid(),
            Worker = "local",
            Cwd = p.Home,
            Command = ["true"],
            Status = JobStatus.Done,
            ExitCode = 0,
            StartedAt = DateTimeOffset.UtcNow,
            EndedAt = DateTimeOffset.UtcNow,
        });

        var result = await p.RunAsync("worker", "rm", "local");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("the default is now 'build1'", result.Out, StringComparison.Ordinal);
        var config = new ConfigStore(p.ConfigFile).Load();
        Assert.Equal("build1", config.DefaultWorker);
        Assert.Equal(["build1"], config.Workers.Select(w => w.Name));
    }

    [Fact]
    public async Task Without_HOME_a_command_fails_with_one_line()
    {
        p.Env.Remove("HOME");

        var result = await p.RunAsync("worker", "ls");

        Assert.NotEqual(0, result.ExitCode);
        AssertOneLineError(result);
        Assert.Contains("HOME", result.Err, StringComparison.Ordinal);
    }
}
