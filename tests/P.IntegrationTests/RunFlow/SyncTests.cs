using System.Diagnostics;
using P.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace P.IntegrationTests.RunFlow;

/// <summary>What reaches the worker's work dir: git's own ignore semantics, .git, odd names.</summary>
[Collection(SshdCollection.Name)]
public sealed class SyncTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task Inside_a_git_work_tree_the_sync_follows_git_and_carries_dot_git()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var src = world.CreateClientDir("repo");
        Git(src, "init", "-q");
        Write(src, ".gitignore", "*.log\n!keep.log\nbuild/\n");
        Write(src, "keep.log", "kept by negation");
        Write(src, "drop.log", "ignored");
        Write(src, "build/tracked.h", "tracked although build/ is ignored");
        Write(src, "build/untracked.o", "ignored");
        Git(src, "add", ".gitignore", "keep.log");
        Git(src, "add", "-f", "build/tracked.h");
        Git(src, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "init");
        File.AppendAllText(Path.Combine(src, ".git", "info", "exclude"), "secret.txt\n");
        Write(src, "secret.txt", "excluded by .git/info/exclude");
        Write(src, "new.txt", "untracked, not ignored");
        var head = Git(src, "rev-parse", "HEAD");

        var result = await world.P(src, "--", "git rev-parse HEAD");

        result.AssertExit(0);
        Assert.Equal(head, result.Stdout.Trim());
        var workdir = worker.WorkDir(world.SingleJob());
        Assert.True(File.Exists(Path.Combine(workdir, "keep.log")), "a ! negation is honoured");
        Assert.True(File.Exists(Path.Combine(workdir, "build", "tracked.h")), "a tracked file matching a rule travels");
        Assert.True(File.Exists(Path.Combine(workdir, "new.txt")));
        Assert.True(Directory.Exists(Path.Combine(workdir, ".git")));
        Assert.False(File.Exists(Path.Combine(workdir, "drop.log")));
        Assert.False(File.Exists(Path.Combine(workdir, "build", "untracked.o")));
        Assert.False(File.Exists(Path.Combine(workdir, "secret.txt")), ".git/info/exclude is honoured");
    }

    [Fact]
    public async Task Outside_git_the_gitignore_filter_applies()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var src = world.CreateClientDir("plain");
        Write(src, ".gitignore", "*.tmp\n");
        Write(src, "a.tmp", "ignored");
        Write(src, "sub/b.txt", "kept");

        (await world.P(src, "--", "true")).AssertExit(0);

        var workdir = worker.WorkDir(world.SingleJob());
        Assert.True(File.Exists(Path.Combine(workdir, "sub", "b.txt")));
        Assert.False(File.Exists(Path.Combine(workdir, "a.tmp")));
    }

    [Fact]
    public async Task A_file_name_with_spaces_and_non_ascii_characters_syncs()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var src = world.CreateClientDir("names");
        const string name = "a file ü € 'q' $x.txt";
        Write(src, name, "content");

        var result = await world.P(src, "--", "cat", name);

        result.AssertExit(0);
        Assert.Equal("content", result.Stdout);
        Assert.Equal("content", File.ReadAllText(Path.Combine(worker.WorkDir(world.SingleJob()), name)));
    }

    [Fact]
    public async Task A_second_job_from_the_same_directory_is_seeded_from_the_first()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var src = world.CreateClientDir("seeded");
        Write(src, "big.bin", new string('x', 1 << 20));

        (await world.P(src, "--", "true")).AssertExit(0);
        var first = world.SingleJob().GetProperty("id").GetString()!;
        Write(src, "changed.txt", "new");
        world.Environment["P_DEBUG"] = "1";
        var second = await world.P(src, "--", "true");

        second.AssertExit(0);
        Assert.Contains($"--copy-dest=../{first}", second.Stderr, StringComparison.Ordinal);
        var secondDir = worker.WorkDir(world.Jobs().Single(j => j.GetProperty("id").GetString() != first));
        Assert.Equal(1 << 20, new FileInfo(Path.Combine(secondDir, "big.bin")).Length);
        Assert.True(File.Exists(Path.Combine(secondDir, "changed.txt")));
        Assert.False(File.Exists(worker.PathInHome($".p/workdirs/{first}/changed.txt")), "jobs keep separate work dirs");
    }

    private static void Write(string dir, string relative, string content)
    {
        var path = Path.Combine(dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private static string Git(string dir, params string[] args)
    {
        var info = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var git = Process.Start(info)!;
        var stdout = git.StandardOutput.ReadToEnd();
        git.WaitForExit();
        Assert.True(git.ExitCode == 0, $"git {string.Join(' ', args)} failed: {git.StandardError.ReadToEnd()}");
        return stdout.Trim();
    }
}
