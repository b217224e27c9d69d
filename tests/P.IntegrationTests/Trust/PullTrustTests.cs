using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.Management;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.Trust;

/// <summary>`p pull` takes names literally and cannot be led out of the work dir on the worker or out of the destination on the client.</summary>
[Collection(WorkerFaultCollection.Name)]
public sealed class PullTrustTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task Pull_takes_brackets_a_star_spaces_and_a_dash_literally()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var id = await world.StartDetached(world.ClientHome,
            "printf bracket > 'data[1].csv'; printf one > data1.csv; printf star > '*'; printf space > 'a b'; printf dash > -x; echo ready");
        await worker.WaitForLog(id, "ready");

        foreach (var (name, content) in new[] { ("data[1].csv", "bracket"), ("*", "star"), ("a b", "space"), ("-x", "dash") })
        {
            var dest = world.CreateClientDir("dest-" + content);
            var pulled = await world.P(world.ClientHome, "pull", id, name, dest);

            pulled.AssertExit(0);
            Assert.Equal([name], Directory.GetFileSystemEntries(dest).Select(Path.GetFileName));
            Assert.Equal(content, File.ReadAllText(Path.Combine(dest, name)));
        }

        TrustMatrix.Record(TrustMatrix.Kind.BadInput, "pull 'data[1].csv', '*', 'a b', '-x'", job: "only that file pulled", record: "kept", exitCode: "0");
    }

    [Fact]
    public async Task A_parent_swapped_for_a_symlink_while_pulling_cannot_lead_out_of_the_work_dir()
    {
        using var world = sshd.CreateWorld(output);
        var outside = Directory.CreateDirectory(Path.Combine(world.Root, "outside")).FullName;
        File.WriteAllText(Path.Combine(outside, "secret"), "outside the work dir");
        // The worker's tar swaps the directory it is asked to read from for a
        // symlink to `outside` just before it reads: the race, made certain.
        var bin = Directory.CreateDirectory(Path.Combine(world.Root, "swap-bin")).FullName;
        var tar = ProcessRunner.Run("sh", ["-c", "command -v tar"]).EnsureSuccess().Stdout.Trim();
        File.WriteAllText(Path.Combine(bin, "tar"),
            $"#!/bin/sh\ncase $PWD in */dir) mv \"$PWD\" \"$PWD.real\" && ln -s {outside} \"$PWD\" ;; esac\nexec {tar} \"$@\"\n");
        File.SetUnixFileMode(Path.Combine(bin, "tar"), (UnixFileMode)0b111_101_101);
        var worker = world.AddWorker("w1", environment: new Dictionary<string, string> { ["PATH"] = $"{bin}:/usr/local/bin:/usr/bin:/bin" });
        (await world.P(world.ClientHome, "worker", "register", worker.Connection)).AssertExit(0);
        var id = await world.StartDetached(world.ClientHome, "mkdir dir && printf inside > dir/secret && echo ready");
        await worker.WaitForLog(id, "ready");
        var dest = world.CreateClientDir("dest");

        var pulled = await world.P(world.ClientHome, "pull", id, "dir/secret", dest);

        Assert.True(File.Exists(Path.Combine(worker.WorkDir(id), "dir.real", "secret")), "the swap did not happen: nothing was tested");
        pulled.AssertExit(0);
        Assert.Equal("inside", File.ReadAllText(Path.Combine(dest, "secret")));

        TrustMatrix.Record(TrustMatrix.Kind.Fault, "a parent dir swapped for a symlink during pull", job: "work dir content only", record: "kept", exitCode: "0");
    }

    [Fact]
    public async Task Pull_writes_nothing_through_a_symlink_in_the_destination_and_brings_symlinks_as_links()
    {
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var id = await world.StartDetached(world.ClientHome, "mkdir report && printf a > report/a.txt && ln -s /etc/passwd report/passwd && echo ready");
        await worker.WaitForLog(id, "ready");
        var dest = world.CreateClientDir("dest");
        var elsewhere = world.CreateClientDir("elsewhere");
        File.CreateSymbolicLink(Path.Combine(dest, "report"), elsewhere);

        var pulled = await world.P(world.ClientHome, "pull", id, "report", dest);

        pulled.AssertExit(0);
        Assert.Empty(Directory.GetFileSystemEntries(elsewhere));
        Assert.Null(new DirectoryInfo(Path.Combine(dest, "report")).LinkTarget);
        Assert.Equal("a", File.ReadAllText(Path.Combine(dest, "report", "a.txt")));
        Assert.Equal("/etc/passwd", new FileInfo(Path.Combine(dest, "report", "passwd")).LinkTarget);

        TrustMatrix.Record(TrustMatrix.Kind.BadInput, "a symlink in the pull destination", job: "nothing written outside", record: "kept", exitCode: "0");
    }
}
