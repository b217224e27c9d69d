using System.Text.Json;
using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.Trust;

/// <summary>Trees p did not write, odd paths, odd input: p runs nothing it was not asked to and fails in one line.</summary>
[Collection(TrustCollection.Name)]
public sealed class TrustTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task A_repositorys_fsmonitor_command_does_not_run_on_the_client()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();
        var repo = world.CreateClientDir("handed-to-me");
        var marker = Path.Combine(world.Root, "fsmonitor-ran");
        ProcessRunner.Run("git", ["-C", repo, "init", "-q"]).EnsureSuccess();
        ProcessRunner.Run("git", ["-C", repo, "config", "core.fsmonitor", $"touch {marker}; false"]).EnsureSuccess();
        File.WriteAllText(Path.Combine(repo, "file.txt"), "x");

        var result = await world.P(repo, "--", "cat", "file.txt");

        result.AssertExit(0);
        Assert.Equal("x", result.Stdout);
        Assert.False(File.Exists(marker), "git ran the repository's core.fsmonitor on the client");

        TrustMatrix.Record(TrustMatrix.Kind.BadInput, "a tree whose .git/config sets core.fsmonitor", job: "ran, nothing ran on the client", record: "kept", exitCode: "0");
    }

    [Fact]
    public async Task A_home_with_a_space_a_percent_and_a_quote_still_shares_one_connection()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();
        var home = Directory.CreateDirectory(Path.Combine(world.Root, "h o%m\"e")).FullName;
        world.Environment["HOME"] = home;

        var first = await world.P(world.ClientHome, "-n", "--", "echo", "one");
        var second = await world.P(world.ClientHome, "-n", "--", "echo", "two");

        Assert.Equal((0, "one\n"), (first.ExitCode, first.Stdout));
        Assert.Equal((0, "two\n"), (second.ExitCode, second.Stdout));
        Assert.Single(Directory.GetFileSystemEntries(Path.Combine(home, ".p", "cm")));

        TrustMatrix.Record(TrustMatrix.Kind.BadInput, "a home path with a space, % and a quote", job: "ran on one connection", record: "kept", exitCode: "0");
    }

    [Theory]
    [InlineData("--turbo")]
    [InlineData("--frobnicate")]
    public async Task An_unknown_option_is_named_as_one(string option)
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();

        var result = await world.P(world.ClientHome, option, "--", "make");

        result.AssertExit(2);
        Assert.Equal($"p: unknown option '{option}': see `p --help`.\n", result.Stderr);
        Assert.Empty(world.Jobs());

        TrustMatrix.Record(TrustMatrix.Kind.BadInput, $"an unknown option before -- ({option})", job: "not started", record: "none written", exitCode: "2");
    }

    [Fact]
    public async Task The_job_gets_neither_the_users_ssh_agent_nor_a_display()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();
        File.AppendAllText(world.SshConfigPath, "  ForwardAgent yes\n  ForwardX11 yes\n");
        var agentSocket = Path.Combine(world.Root, "agent.sock");
        using var agent = System.Diagnostics.Process.Start("ssh-agent", ["-D", "-a", agentSocket])!;
        try
        {
            await E2e.WaitFor(() => File.Exists(agentSocket), "ssh-agent's socket");
            world.Environment["SSH_AUTH_SOCK"] = agentSocket;
            world.Environment["DISPLAY"] = ":0";

            var result = await world.P(world.ClientHome, "-n", "--", "echo \"[${SSH_AUTH_SOCK:-none}] [${DISPLAY:-none}]\"");

            result.AssertExit(0);
            Assert.Equal("[none] [none]\n", result.Stdout);
        }
        finally
        {
            agent.Kill();
        }

        TrustMatrix.Record(TrustMatrix.Kind.Fault, "agent and X11 forwarding in the ssh config", job: "ran without them", record: "kept", exitCode: "0");
    }

    [Fact]
    public async Task Bad_records_in_the_store_are_skipped_and_named_once_and_every_command_goes_on()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var good = await Management.ManagementE2e.StartDetached(world, world.ClientHome, "echo good");
        await Management.ManagementE2e.WaitForExitCode(worker, good);
        var jobs = Path.Combine(world.DataHome, "p", "jobs");
        var template = File.ReadAllText(Path.Combine(jobs, good + ".json"));
        var nullCommand = Guid.NewGuid().ToString("D");
        File.WriteAllText(Path.Combine(jobs, nullCommand + ".json"),
            System.Text.RegularExpressions.Regex.Replace(template.Replace(good, nullCommand, StringComparison.Ordinal), "\"command\": \\[[^\\]]*\\]", "\"command\": null"));
        var garbage = Guid.NewGuid().ToString("D");
        File.WriteAllText(Path.Combine(jobs, garbage + ".json"), "{ not json");

        var ls = await world.P(world.ClientHome, "ls");
        var logs = await world.P(world.ClientHome, "logs", good[..6]);
        var rm = await world.P(world.ClientHome, "rm", good);

        ls.AssertExit(0);
        Assert.Contains(good[..8], ls.Stdout, StringComparison.Ordinal);
        var warnings = ls.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, warnings.Length);
        Assert.Single(warnings, w => w.StartsWith($"p: skipping {Path.Combine(jobs, nullCommand)}.json", StringComparison.Ordinal));
        Assert.Single(warnings, w => w.StartsWith($"p: skipping {Path.Combine(jobs, garbage)}.json", StringComparison.Ordinal));
        Assert.DoesNotContain("internal error", ls.Stderr + logs.Stderr + rm.Stderr, StringComparison.Ordinal);
        logs.AssertExit(0);
        Assert.Equal("good\n", logs.Stdout);
        rm.AssertExit(0);
        Assert.False(File.Exists(Path.Combine(jobs, good + ".json")));

        TrustMatrix.Record(TrustMatrix.Kind.BadInput, "a job record with command null / garbage", job: "others listed, logs, rm", record: "named once, skipped", exitCode: "0");
    }

    [Fact]
    public async Task A_record_left_by_sudo_p_is_skipped_when_p_runs_as_the_user()
    {
        Assert.True(Environment.IsPrivilegedProcess, "a record owned by root beside a user's own needs root to make");
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var good = await Management.ManagementE2e.StartDetached(world, world.ClientHome, "echo good");
        await Management.ManagementE2e.WaitForExitCode(worker, good);
        (await world.P(world.ClientHome, "ls")).AssertExit(0);
        var jobs = Path.Combine(world.DataHome, "p", "jobs");
        // The client's files become an ordinary user's; one record stays root's (0600), as `sudo p` leaves it.
        ProcessRunner.Run("chown", ["-R", $"{Nobody}:{Nobody}", world.ClientHome]).EnsureSuccess();
        ProcessRunner.Run("chmod", ["o+x", world.Root]).EnsureSuccess();
        var roots = Guid.NewGuid().ToString("D");
        var rootsRecord = Path.Combine(jobs, roots + ".json");
        File.WriteAllText(rootsRecord, File.ReadAllText(Path.Combine(jobs, good + ".json")).Replace(good, roots, StringComparison.Ordinal));
        File.SetUnixFileMode(rootsRecord, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var ls = await AsNobody(world, "ls");
        var json = await AsNobody(world, "ls", "--json");

        Assert.Equal(0, ls.ExitCode);
        Assert.Contains(good[..8], ls.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(roots[..8], ls.Stdout, StringComparison.Ordinal);
        var warning = Assert.Single(ls.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"p: skipping {rootsRecord}", warning, StringComparison.Ordinal);
        Assert.Equal(0, json.ExitCode);
        Assert.Equal(good, Assert.Single(JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray()).GetProperty("id").GetString());
        Assert.True(File.Exists(rootsRecord), "the record p could not read was touched");

        TrustMatrix.Record(TrustMatrix.Kind.BadInput, "a job record owned by root (sudo p), p run as a user", job: "others listed", record: "named once, skipped", exitCode: "0");
    }

    private const string Nobody = "65534";

    /// <summary>p as an ordinary user (uid and gid 65534), with the world's environment.</summary>
    private static Task<ProcessResult> AsNobody(TestWorld world, params string[] args) =>
        ProcessRunner.RunAsync("setpriv", ["--reuid", Nobody, "--regid", Nobody, "--clear-groups", "--", PCli.BinaryPath, .. args],
            world.Environment.AsReadOnly(), world.ClientHome);

    [Fact]
    public async Task Under_umask_022_the_clients_directories_are_0700_and_its_files_0600()
    {
        using var world = sshd.CreateWorld(output);
        var worker = world.AddWorker("w1");
        var p = world.PBinary ?? PCli.BinaryPath;
        var script = $"umask 022 && '{p}' worker register {worker.Connection} && '{p}' -d -n -- true && '{p}' -n -- true && '{p}' ls";

        var result = await ProcessRunner.RunAsync("/bin/sh", ["-c", script], new Dictionary<string, string>(world.Environment), world.ClientHome, timeout: TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 0, result.ToString());
        var watchDir = Path.Combine(world.DataHome, "p", "watch");
        await E2e.WaitFor(() => Directory.Exists(watchDir) && Directory.GetFiles(watchDir, "*.lock").Length > 0, "the watcher's lock");
        string[] dirs = [Path.Combine(world.ConfigHome, "p"), Path.Combine(world.DataHome, "p"), Path.Combine(world.DataHome, "p", "jobs"), watchDir,
            Path.Combine(world.ClientHome, ".p"), Path.Combine(world.ClientHome, ".p", "cm")];
        foreach (var dir in dirs)
        {
            Assert.True(File.GetUnixFileMode(dir) == PrivateDir, $"{dir} is {File.GetUnixFileMode(dir)}");
            foreach (var file in Directory.GetFiles(dir))
            {
                Assert.True(File.GetUnixFileMode(file) == PrivateFile, $"{file} is {File.GetUnixFileMode(file)}");
            }
        }

        TrustMatrix.Record(TrustMatrix.Kind.Fault, "umask 022 on the client", job: "ran", record: "0600 / dirs 0700", exitCode: "0");
    }

    [Fact]
    public async Task Ten_registrations_at_once_all_land()
    {
        using var world = sshd.CreateWorld(output);

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            world.P(world.ClientHome, "worker", "register", $"user@host{i}.example", "-n", $"w{i}")));

        Assert.All(results, r => r.AssertExit(0));
        var listed = await world.P(world.ClientHome, "worker", "ls");
        foreach (var i in Enumerable.Range(0, 10))
        {
            Assert.Contains($"user@host{i}.example", listed.Stdout, StringComparison.Ordinal);
        }

        TrustMatrix.Record(TrustMatrix.Kind.Fault, "10 p worker register at once", job: "-", record: "all 10 in config.yaml", exitCode: "0");
    }

    private const UnixFileMode PrivateDir = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
}

[CollectionDefinition(Name)]
public sealed class TrustCollection : ICollectionFixture<SshdFixture>
{
    public const string Name = "sshd-trust";
}
