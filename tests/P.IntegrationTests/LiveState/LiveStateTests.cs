using System.Diagnostics;
using System.Text.Json;
using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.LiveState;

/// <summary>Notifications, offline recovery and jobs that outlive the link (issue 4).</summary>
[Collection(LiveStateCollection.Name)]
public sealed class LiveStateTests(SshdFixture sshd, ITestOutputHelper output)
{
    private static readonly TimeSpan Notification = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_finished_job_reaches_the_store_within_two_seconds_with_no_command_run()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var id = await StartGated(world, worker, "exit 4");
        var exitcode = Path.Combine(worker.PathInHome($".p/jobs/{id}"), "exitcode");

        await File.WriteAllTextAsync(worker.PathInHome("gate"), "");
        await E2e.WaitFor(() => File.Exists(exitcode), "the job to end on the worker");
        var ended = Stopwatch.StartNew();
        await E2e.WaitFor(() => Status(world, id) == "done", "the store to say done", Notification + TimeSpan.FromSeconds(3));

        Assert.True(ended.Elapsed <= Notification, $"took {ended.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(4, Job(world, id).GetProperty("exit_code").GetInt32());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Jobs_on_two_workers_are_recorded_whichever_finishes_first(bool secondFinishesFirst)
    {
        using var world = sshd.CreateWorld(output);
        var one = await world.RegisteredWorker("one");
        var two = await world.RegisteredWorker("two");
        var first = (Home: one, Id: await StartGated(world, one, "exit 1", "one"), Code: 1);
        var second = (Home: two, Id: await StartGated(world, two, "exit 2", "two"), Code: 2);
        var (early, late) = secondFinishesFirst ? (second, first) : (first, second);

        await File.WriteAllTextAsync(early.Home.PathInHome("gate"), "");
        await E2e.WaitFor(() => Status(world, early.Id) == "done", "the first job to end to be recorded", TimeSpan.FromSeconds(10));
        Assert.Equal("running", Status(world, late.Id));
        await File.WriteAllTextAsync(late.Home.PathInHome("gate"), "");
        await E2e.WaitFor(() => Status(world, late.Id) == "done", "the other job to be recorded", TimeSpan.FromSeconds(10));

        Assert.Equal(first.Code, Job(world, first.Id).GetProperty("exit_code").GetInt32());
        Assert.Equal(second.Code, Job(world, second.Id).GetProperty("exit_code").GetInt32());
    }

    [Fact]
    public async Task One_watcher_per_worker_however_many_p_run_at_once_and_it_leaves_when_idle()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var gate = worker.PathInHome("gate");

        var starts = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            world.P(world.ClientHome, "-n", "-d", "--", $"while [ ! -f {gate} ]; do sleep 0.1; done")));
        foreach (var start in starts)
        {
            start.AssertExit(0);
        }
        await E2e.WaitFor(() => Processes.Watchers(world.ClientHome, "w1").Count == 1, "exactly one watcher");
        var watcher = Processes.Watchers(world.ClientHome, "w1").Single();
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal([watcher], Processes.Watchers(world.ClientHome, "w1"));
            await Task.Delay(100);
        }

        await File.WriteAllTextAsync(gate, "");
        await E2e.WaitFor(() => world.Jobs().All(j => j.GetProperty("status").GetString() == "done"), "all four recorded", TimeSpan.FromSeconds(10));
        await E2e.WaitFor(() => Processes.Watchers(world.ClientHome, "w1").Count == 0, "the idle watcher to exit", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task With_the_watcher_killed_ls_says_unknown_then_reconciles()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var id = await StartGated(world, worker, "exit 7");
        await E2e.WaitFor(() => Processes.Watchers(world.ClientHome, "w1").Count == 1, "the watcher");
        foreach (var pid in Processes.Watchers(world.ClientHome, "w1"))
        {
            Processes.KillTree(pid);
        }
        await E2e.WaitFor(() => Processes.Watchers(world.ClientHome, "w1").Count == 0, "the watcher to die");

        await File.WriteAllTextAsync(worker.PathInHome("gate"), "");
        await E2e.WaitFor(() => File.Exists(worker.PathInHome($".p/jobs/{id}/exitcode")), "the job to end on the worker");
        await Task.Delay(TimeSpan.FromSeconds(3.5)); // past the grace a just-launched watcher gets
        Assert.Equal("running", Status(world, id));

        var first = await world.P(world.ClientHome, "ls");
        first.AssertExit(0);
        Assert.Matches(@$"{id[..8]}.*\b(unknown|done \[7\])", first.Stdout);
        await E2e.WaitFor(() => Status(world, id) == "done", "the background reconciliation", TimeSpan.FromSeconds(10));
        var second = await world.P(world.ClientHome, "ls");
        Assert.Matches(@$"{id[..8]}.*done \[7\]", second.Stdout);
        TrustMatrix.Record(TrustMatrix.Kind.Fault, "watcher killed, job ended meanwhile (ls)", job: "-", record: "unknown, then done [7]", exitCode: "7");
    }

    [Fact]
    public async Task Ls_refresh_reconciles_in_the_foreground()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var id = await StartGated(world, worker, "exit 5");
        await E2e.WaitFor(() => Processes.Watchers(world.ClientHome, "w1").Count == 1, "the watcher");
        foreach (var pid in Processes.Watchers(world.ClientHome, "w1"))
        {
            Processes.KillTree(pid);
        }
        await File.WriteAllTextAsync(worker.PathInHome("gate"), "");
        await E2e.WaitFor(() => File.Exists(worker.PathInHome($".p/jobs/{id}/exitcode")), "the job to end on the worker");

        var refreshed = await world.P(world.ClientHome, "ls", "--refresh");

        refreshed.AssertExit(0);
        Assert.Matches(@$"{id[..8]}.*done \[5\]", refreshed.Stdout);
        Assert.Equal("done", Status(world, id));
    }

    [Fact]
    public async Task Killing_the_workers_tmux_server_makes_a_job_lost()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var id = await StartGated(world, worker, "exit 0");

        (await world.Ssh("w1", $"{WorkerHome.Tmux} kill-server")).EnsureSuccess();

        await E2e.WaitFor(() => Status(world, id) == "lost", "the job to become lost", TimeSpan.FromSeconds(10));
        var ls = await world.P(world.ClientHome, "ls");
        Assert.Matches(@$"{id[..8]}.*lost", ls.Stdout);

        TrustMatrix.Record(TrustMatrix.Kind.Fault, "worker's tmux server killed", job: "killed with it", record: "lost", exitCode: "-");
    }

    [Fact]
    public async Task A_dropped_connection_under_an_attached_session_leaves_the_job_running_to_completion()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var gate = worker.PathInHome("gate");
        using var terminal = world.StartP(world.ClientHome, "-n", "--", $"echo attached; while [ ! -f {gate} ]; do sleep 0.1; done; echo finished; exit 6");
        await terminal.WaitForScreen("attached");

        // The session's ssh dies (its link dropped); the master, if it was
        // started by that ssh, lives on, so a new attach would work at once.
        var attach = Processes.Find(world.ClientHome, argv => argv.Length > 0 && argv[0] == "ssh" && argv.Contains("-t"));
        Assert.NotEmpty(attach);
        foreach (var pid in attach)
        {
            Processes.Kill(pid);
        }
        var code = await terminal.WaitForExit();

        Assert.Equal(253, code);
        Assert.Contains("keeps running", terminal.Transcript(), StringComparison.Ordinal);
        var id = world.SingleJob().GetProperty("id").GetString()!;
        Assert.Equal("running", Status(world, id));
        await File.WriteAllTextAsync(gate, "");
        await E2e.WaitFor(() => Status(world, id) == "done", "the job's end to be recorded", TimeSpan.FromSeconds(10));
        Assert.Equal(6, Job(world, id).GetProperty("exit_code").GetInt32());
        Assert.Contains("finished", File.ReadAllText(worker.PathInHome($".p/jobs/{id}/output.log")), StringComparison.Ordinal);

        TrustMatrix.Record(TrustMatrix.Kind.Fault, "link dropped under an attached session", job: "ran to completion", record: "done", exitCode: "kept");
    }

    [Fact]
    public async Task P_killed_mid_sync_leaves_no_phantom_running_job()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var src = world.CreateClientDir("big");
        var block = new byte[1 << 20];
        Random.Shared.NextBytes(block);
        using (var file = File.Create(Path.Combine(src, "big.bin")))
        {
            for (var i = 0; i < 400; i++)
            {
                file.Write(block);
            }
        }

        using var run = StreamingProcess.StartIn(world, src, "--", "echo should-not-run");
        await E2e.WaitFor(() => Processes.Children(run.Pid).Any(c => Processes.Find(world.ClientHome, a => a.Length > 0 && a[0] == "rsync").Contains(c)),
            "rsync to start", TimeSpan.FromSeconds(20));
        run.Kill();

        var job = world.SingleJob();
        Assert.Equal("starting", job.GetProperty("status").GetString());
        var id = job.GetProperty("id").GetString()!;
        var ls = await world.P(world.ClientHome, "ls");
        Assert.DoesNotMatch(@$"{id[..8]}.*running", ls.Stdout);
        await E2e.WaitFor(() => Status(world, id) == "lost", "the interrupted start to be resolved", TimeSpan.FromSeconds(15));
        await E2e.WaitFor(() => !Directory.Exists(worker.PathInHome($".p/workdirs/{id}")), "the half-synced work dir to be removed", TimeSpan.FromSeconds(15));
        Assert.False(File.Exists(worker.PathInHome($".p/jobs/{id}/exitcode")));

        TrustMatrix.Record(TrustMatrix.Kind.Fault, "p killed mid-sync", job: "never started", record: "no phantom running", exitCode: "-");
    }

    private static async Task<string> StartGated(TestWorld world, WorkerHome home, string then, string? workerName = null)
    {
        var gate = home.PathInHome("gate");
        var args = new List<string>();
        if (workerName is not null)
        {
            args.Add(workerName);
        }
        args.AddRange(["-n", "-d", "--", $"while [ ! -f {gate} ]; do sleep 0.1; done; {then}"]);
        var start = await world.P(world.ClientHome, args, PCli.DefaultTimeout);
        start.AssertExit(0);
        return start.Stdout.Trim();
    }

    private static JsonElement Job(TestWorld world, string id) =>
        world.Jobs().Single(j => j.GetProperty("id").GetString() == id);

    private static string? Status(TestWorld world, string id) =>
        world.Jobs().SingleOrDefault(j => j.GetProperty("id").GetString() == id) is { ValueKind: JsonValueKind.Object } job
            ? job.GetProperty("status").GetString()
            : null;
}

[CollectionDefinition(Name)]
public sealed class LiveStateCollection : ICollectionFixture<SshdFixture>
{
    public const string Name = "sshd-live-state";
}
