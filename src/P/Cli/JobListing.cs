using P.Core;

namespace P.Cli;

/// <summary>
/// One job as `p ls --json` prints it: a contract for scripts, kept apart from
/// the store's own format so either can change without breaking the other.
/// </summary>
internal sealed record JobListing
{
    public required string Id { get; init; }
    public required string ShortId { get; init; }
    public required string Worker { get; init; }
    public required string Cwd { get; init; }
    public required IReadOnlyList<string> Command { get; init; }
    public required JobStatus Status { get; init; }
    public int? ExitCode { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>On a Slurm worker: the job's id in Slurm and squeue's state (null elsewhere).</summary>
    public string? SlurmJobId { get; init; }

    public string? SlurmState { get; init; }

    public static JobListing From(Job job) => new()
    {
        Id = job.Id.ToString("D"),
        ShortId = job.ShortId,
        Worker = job.Worker,
        Cwd = job.Cwd,
        Command = job.Command,
        Status = job.Pending ? JobStatus.Pending : job.Status,
        SlurmJobId = job.SlurmJobId,
        SlurmState = job.SlurmState,
        ExitCode = job.ExitCode,
        StartedAt = job.StartedAt,
        EndedAt = job.EndedAt,
    };
}
