using P.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace P.IntegrationTests.RunFlow;

/// <summary>The worker's mirror of a client directory: one sshd of their own.</summary>
[CollectionDefinition(Name)]
public sealed class MirrorSyncCollection : ICollectionFixture<SshdFixture>
{
    public const string Name = "sshd-mirror-sync";
}

/// <summary>
/// Inside a git work tree, a job's work dir is a copy of the worker's mirror
/// of the directory: an unchanged tree needs no rsync, a small change travels
/// in the start call, and a mirror that is not what the client remembers is
/// repaired by rsync, never used.
/// </summary>
[Collection(MirrorSyncCollection.Name)]
public sealed class MirrorSyncTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task An_unchanged_tree_and_a_small_change_need_no_rsync_and_each_job_gets_the_clients_content()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var rsyncLog = LogRsyncCalls(world);
        var project = GitProject(world);

        var first = await world.P(project, "--", "cat", "a.txt", "sub/b.txt");
        var second = await world.P(project, "--", "cat", "a.txt", "sub/b.txt");
        File.WriteAllText(Path.Combine(project, "a.txt"), "A2\n");
        File.Delete(Path.Combine(project, "sub", "b.txt"));
        File.WriteAllText(Path.Combine(project, "c.txt"), "C\n");
        var third = await world.P(project, "--", "sh", "-c", "cat a.txt c.txt && test ! -e sub/b.txt");

        Assert.Equal((0, "A\nB\n"), (first.ExitCode, first.Stdout));
        Assert.Equal((0, "A\nB\n"), (second.ExitCode, second.Stdout));
        Assert.Equal((0, "A2\nC\n"), (third.ExitCode, third.Stdout));
        Assert.Equal(1, RsyncCalls(rsyncLog));
        Assert.Single(Directory.GetDirectories(worker.PathInHome(".p/mirrors")), d => !Path.GetFileName(d).Contains('.'));
    }

    [Fact]
    public async Task A_mirror_changed_on_the_worker_is_repaired_by_rsync_not_used()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var rsyncLog = LogRsyncCalls(world);
        var project = GitProject(world);
        (await world.P(project, "--", "true")).AssertExit(0);
        var mirror = Assert.Single(Directory.GetDirectories(worker.PathInHome(".p/mirrors")), d => !Path.GetFileName(d).Contains('.'));

        // With the next job's copy (the spare) made, each change is made to
        // the mirror alone: that job is served from the spare, and the
        // spare's builder, walking the mirror after its copy, sends the next
        // job back to rsync.
        async Task<ProcessResult> TamperedAsync(Action tamper, params string[] command)
        {
            // A taken spare leaves its state file behind, without the directory.
            await E2e.WaitFor(() => Directory.Exists(mirror + ".spare") && File.Exists(mirror + ".spare.state"), "the spare");
            tamper();
            var served = await world.P(project, command);
            await E2e.WaitFor(() => !File.Exists(mirror + ".state"), "the builder to drop the changed mirror's state");
            return served;
        }
        var afterEdit = await TamperedAsync(() => File.WriteAllText(Path.Combine(mirror, "a.txt"), "tampered\n"), "--", "cat", "a.txt");
        var repaired = await world.P(project, "--", "cat", "a.txt");
        var afterDelete = await TamperedAsync(() => File.Delete(Path.Combine(mirror, "sub", "b.txt")), "--", "cat", "sub/b.txt");
        var repairedAgain = await world.P(project, "--", "cat", "sub/b.txt");

        Assert.Equal((0, "A\n"), (afterEdit.ExitCode, afterEdit.Stdout));
        Assert.Equal((0, "A\n"), (repaired.ExitCode, repaired.Stdout));
        Assert.Equal((0, "B\n"), (afterDelete.ExitCode, afterDelete.Stdout));
        Assert.Equal((0, "B\n"), (repairedAgain.ExitCode, repairedAgain.Stdout));
        Assert.Equal(3, RsyncCalls(rsyncLog));
        Assert.Equal("A\n", File.ReadAllText(Path.Combine(mirror, "a.txt")));
        Assert.True(File.Exists(Path.Combine(mirror, "sub", "b.txt")), "the rsync did not restore the mirror's deleted file");

        TrustMatrix.Record(TrustMatrix.Kind.Fault, "the worker's mirror edited and a file deleted", job: "got the client's content", record: "kept", exitCode: "0");
    }

    [Fact]
    public async Task A_client_that_forgot_what_it_sent_and_an_edit_that_keeps_size_and_mtime_still_give_the_clients_content()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();
        var project = GitProject(world);
        (await world.P(project, "--", "true")).AssertExit(0);
        var file = Path.Combine(project, "a.txt");
        var mtime = File.GetLastWriteTimeUtc(file);

        File.WriteAllText(file, "Z\n");
        File.SetLastWriteTimeUtc(file, mtime);
        var sameSize = await world.P(project, "--", "cat", "a.txt");
        Directory.Delete(Path.Combine(world.DataHome, "p", "sync"), recursive: true);
        File.WriteAllText(file, "Y\n");
        File.SetLastWriteTimeUtc(file, mtime);
        var forgotten = await world.P(project, "--", "cat", "a.txt");

        Assert.Equal((0, "Z\n"), (sameSize.ExitCode, sameSize.Stdout));
        Assert.Equal((0, "Y\n"), (forgotten.ExitCode, forgotten.Stdout));
    }

    [Fact]
    public async Task An_incremental_job_starts_from_the_previous_jobs_dir_with_its_outputs_and_the_clients_changes()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var project = GitProject(world);
        File.WriteAllText(Path.Combine(project, ".gitignore"), "out/\n");
        var build = "mkdir -p out && for f in a.txt sub/*.txt; do [ out/$(basename $f) -nt $f ] || { echo built $f; cp $f out/; }; done";

        var first = await world.P(project, "--incremental", "--", "sh", "-c", build);
        File.WriteAllText(Path.Combine(project, "a.txt"), "A2\n");
        File.WriteAllText(Path.Combine(project, "sub", "c.txt"), "C\n");
        File.Delete(Path.Combine(project, "sub", "b.txt"));
        var second = await world.P(project, "--incremental", "--", "sh", "-c", build + "; cat out/a.txt; ls sub");
        var clean = await world.P(project, "--no-incremental", "--", "sh", "-c", "ls out 2>&1 || true");

        Assert.Equal((0, "built a.txt\nbuilt sub/b.txt\n"), (first.ExitCode, first.Stdout));
        Assert.Equal((0, "built a.txt\nbuilt sub/c.txt\nA2\nc.txt\n"), (second.ExitCode, second.Stdout));
        Assert.Contains("No such file", clean.Stdout, StringComparison.Ordinal);
        // The previous job's dir is left as it was.
        var firstId = world.Jobs().OrderBy(j => j.GetProperty("started_at").GetString(), StringComparer.Ordinal).First().GetProperty("id").GetString()!;
        var firstDir = worker.PathInHome(Path.Combine(".p", "workdirs", firstId));
        Assert.Equal("A\n", File.ReadAllText(Path.Combine(firstDir, "out", "a.txt")));
        Assert.True(File.Exists(Path.Combine(firstDir, "sub", "b.txt")));
        Assert.False(File.Exists(Path.Combine(firstDir, "sub", "c.txt")));
    }

    private static string GitProject(TestWorld world)
    {
        var project = world.CreateClientDir("proj");
        Directory.CreateDirectory(Path.Combine(project, "sub"));
        File.WriteAllText(Path.Combine(project, "a.txt"), "A\n");
        File.WriteAllText(Path.Combine(project, "sub", "b.txt"), "B\n");
        ProcessRunner.Run("git", ["-C", project, "init", "-q"]).EnsureSuccess();
        return project;
    }

    // The real rsync, behind a wrapper that counts its calls.
    private static string LogRsyncCalls(TestWorld world)
    {
        var bin = Directory.CreateDirectory(Path.Combine(world.Root, "rsync-log-bin")).FullName;
        var log = Path.Combine(world.Root, "rsync-calls");
        var real = ProcessRunner.Run("sh", ["-c", "command -v rsync"]).EnsureSuccess().Stdout.Trim();
        File.WriteAllText(Path.Combine(bin, "rsync"), $"#!/bin/sh\necho call >>{log}\nexec {real} \"$@\"\n");
        File.SetUnixFileMode(Path.Combine(bin, "rsync"), (UnixFileMode)0b111_101_101);
        world.Environment["PATH"] = bin + ":" + world.Environment["PATH"];
        return log;
    }

    private static int RsyncCalls(string log) => File.Exists(log) ? File.ReadAllLines(log).Length : 0;
}
