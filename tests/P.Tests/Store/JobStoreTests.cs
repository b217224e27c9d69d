using P.Core;
using P.Store;
using P.Tests.Support;

namespace P.Tests.Store;

public sealed class JobStoreTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private string JobsDir => dir.Combine("jobs");

    private static Job NewJob(JobStatus status = JobStatus.Running, int? exitCode = null) => new()
    {
        Id = Guid.NewGuid(),
        Worker = "build1",
        Cwd = "/home/alice/src/it's here",
        Command = ["make", "-j8", "a b", "ü€", "a\nb"],
        Status = status,
        ExitCode = exitCode,
        StartedAt = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero),
        EndedAt = exitCode is null ? null : new DateTimeOffset(2024, 5, 6, 8, 0, 0, TimeSpan.Zero),
        Synced = true,
    };

    private static void AssertSame(Job expected, Job? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Command, actual.Command);
        Assert.Equal(expected with { Command = actual.Command }, actual);
    }

    [Fact]
    public void A_saved_job_is_found_again()
    {
        var store = new JobStore(JobsDir);
        var job = NewJob(JobStatus.Done, exitCode: 3);

        store.Save(job);

        AssertSame(job, store.Find(job.Id));
    }

    [Fact]
    public void The_file_is_snake_case_json_with_string_statuses()
    {
        var store = new JobStore(JobsDir);
        var job = NewJob();

        store.Save(job);
        var text = File.ReadAllText(Path.Combine(JobsDir, job.Id.ToString("D") + ".json"));

        Assert.Contains("\"exit_code\": null", text, StringComparison.Ordinal);
        Assert.Contains("\"status\": \"running\"", text, StringComparison.Ordinal);
        Assert.Contains("\"started_at\":", text, StringComparison.Ordinal);
        Assert.Contains("\"ended_at\":", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ShortId", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("session_name", text, StringComparison.Ordinal);
    }

    [Fact]
    public void All_lists_every_saved_job()
    {
        var store = new JobStore(JobsDir);
        var jobs = new[] { NewJob(), NewJob(JobStatus.Stopped, 143), NewJob(JobStatus.Starting) };
        foreach (var job in jobs)
        {
            store.Save(job);
        }

        var all = store.All().OrderBy(j => j.Id).ToList();

        Assert.Equal(jobs.OrderBy(j => j.Id).Select(j => (j.Id, j.Status, j.ExitCode)), all.Select(j => (j.Id, j.Status, j.ExitCode)));
    }

    [Fact]
    public void All_skips_a_garbage_file()
    {
        var store = new JobStore(JobsDir);
        var job = NewJob();
        store.Save(job);
        File.WriteAllText(Path.Combine(JobsDir, Guid.NewGuid().ToString("D") + ".json"), "{ this is not json");
        File.WriteAllText(Path.Combine(JobsDir, Guid.NewGuid().ToString("D") + ".json"), "");

        var all = store.All();

        AssertSame(job, Assert.Single(all));
    }

    [Fact]
    public void All_of_a_missing_directory_is_empty()
    {
        Assert.Empty(new JobStore(dir.Combine("never-created")).All());
    }

    [Fact]
    public void An_unknown_id_is_not_found()
    {
        Assert.Null(new JobStore(JobsDir).Find(Guid.NewGuid()));
    }

    [Fact]
    public void A_deleted_job_is_gone()
    {
        var store = new JobStore(JobsDir);
        var job = NewJob();
        store.Save(job);

        store.Delete(job.Id);

        Assert.Null(store.Find(job.Id));
        Assert.Empty(store.All());
    }

    [Fact]
    public void Saving_again_replaces_the_record()
    {
        var store = new JobStore(JobsDir);
        var job = NewJob();
        store.Save(job);

        var done = job with { Status = JobStatus.Done, ExitCode = 0, EndedAt = job.StartedAt.AddMinutes(2) };
        store.Save(done);

        AssertSame(done, store.Find(job.Id));
        Assert.Single(Directory.GetFiles(JobsDir));
    }
}
