using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.Management;

/// <summary>`p pull &lt;id&gt; &lt;path&gt; [&lt;dest&gt;]`: files and trees out of the job's work dir, nothing from outside it.</summary>
[Collection(ManagementWorkersCollection.Name)]
public sealed class PullTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task Pull_copies_files_and_trees_while_the_job_runs_and_after()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var project = world.CreateClientDir("proj");
        var id = await world.StartDetached(
            project,
            "mkdir -p tree/sub && printf top > result.txt && printf deep > tree/sub/file && printf leaf > tree/leaf && echo ready; "
            + $"{ManagementE2e.WaitForGate(worker.Gate())}; printf late > late.txt");
        await worker.WaitForLog(id, "ready");

        // A file, dest defaulting to the current directory.
        var here = world.CreateClientDir("here");
        var file = await world.P(here, "pull", id, "result.txt");
        file.AssertExit(0);
        Assert.Equal("top", File.ReadAllText(Path.Combine(here, "result.txt")));

        // A nested file lands under its own name.
        var nested = world.CreateClientDir("nested");
        (await world.P(nested, "pull", id, "tree/sub/file")).AssertExit(0);
        Assert.Equal(["file"], Directory.GetFileSystemEntries(nested).Select(Path.GetFileName));
        Assert.Equal("deep", File.ReadAllText(Path.Combine(nested, "file")));

        // A directory keeps its tree under the dest given.
        var dest = world.CreateClientDir("dest");
        var tree = await world.P(world.ClientHome, "pull", id, "tree", dest);
        tree.AssertExit(0);
        Assert.Equal("deep", File.ReadAllText(Path.Combine(dest, "tree", "sub", "file")));
        Assert.Equal("leaf", File.ReadAllText(Path.Combine(dest, "tree", "leaf")));
        Assert.False(File.Exists(Path.Combine(worker.JobDir(id), "exitcode")), "the job should still be running");

        await worker.Release();
        await worker.WaitForExitCode(id);
        var after = world.CreateClientDir("after");
        (await world.P(world.ClientHome, "pull", id[..6], "late.txt", after)).AssertExit(0);
        Assert.Equal("late", File.ReadAllText(Path.Combine(after, "late.txt")));
        (await world.P(after, "pull", id, "tree")).AssertExit(0);
        Assert.Equal("deep", File.ReadAllText(Path.Combine(after, "tree", "sub", "file")));
    }

    [Fact]
    public async Task Pull_refuses_paths_leading_out_of_the_work_dir_and_reports_a_missing_one_writing_nothing()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var project = world.CreateClientDir("proj");
        var id = await world.StartDetached(
            project, $"ln -s /etc out && echo ready; {ManagementE2e.WaitForGate(worker.Gate())}");
        await worker.WaitForLog(id, "ready");
        var dest = world.CreateClientDir("dest");

        foreach (var path in new[] { "../x", "/etc/passwd", "out/passwd", "out", "tree/../../x" })
        {
            var refused = await world.P(dest, "pull", id, path);
            refused.AssertOneLineError();
            Assert.True(refused.Stderr.Contains(path, StringComparison.Ordinal), $"p pull {path} should name the path\n{refused}");
            Assert.True(Directory.GetFileSystemEntries(dest).Length == 0, $"p pull {path} wrote into the dest\n{refused}");
        }
        var explicitDest = Path.Combine(dest, "sub");
        var refusedToDest = await world.P(world.ClientHome, "pull", id, "out/passwd", explicitDest);
        refusedToDest.AssertOneLineError();
        Assert.False(Path.Exists(explicitDest), refusedToDest.ToString());

        var missing = await world.P(dest, "pull", id, "no-such-file");
        missing.AssertOneLineError();
        Assert.Contains("no-such-file", missing.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(dest));
    }
}
