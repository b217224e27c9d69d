using System.Text.Json.Serialization;

namespace P.Core;

/// <summary>The client's record of one job, stored as jobs/&lt;id&gt;.json.</summary>
internal sealed record Job
{
    public required Guid Id { get; init; }
    public required string Worker { get; init; }
    public required string Cwd { get; init; }
    public required IReadOnlyList<string> Command { get; init; }
    public required JobStatus Status { get; init; }
    public int? ExitCode { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public bool Synced { get; init; }

    /// <summary>On a Slurm worker: the job's id in Slurm, and what squeue last said of it (PENDING, RUNNING, ...) and why.</summary>
    public string? SlurmJobId { get; init; }

    public string? SlurmState { get; init; }

    public string? SlurmReason { get; init; }

    /// <summary>Slurm has not started it yet.</summary>
    [JsonIgnore]
    public bool Pending => Status == JobStatus.Running && SlurmState == "PENDING";

    /// <summary>While starting: the p process doing it. A dead one means the start was interrupted.</summary>
    public int? StarterPid { get; init; }

    /// <summary>The starter's host, boot and start time, so that a reused pid, or one of another machine, is not taken for it (null in older records).</summary>
    public string? StarterHost { get; init; }

    public string? StarterBoot { get; init; }

    public string? StarterStartTime { get; init; }

    /// <summary>The starter as a process identity; null when there is none.</summary>
    [JsonIgnore]
    public Processes.ProcessIdentity? Starter =>
        StarterPid is { } pid ? new Processes.ProcessIdentity(StarterHost ?? Environment.MachineName, StarterBoot, pid, StarterStartTime) : null;

    /// <summary>This record with <paramref name="starter"/> as its starter (null: none).</summary>
    public Job WithStarter(Processes.ProcessIdentity? starter) => this with
    {
        StarterPid = starter?.Pid,
        StarterHost = starter?.Host,
        StarterBoot = starter?.Boot,
        StarterStartTime = starter?.StartTime,
    };

    [JsonIgnore]
    public string ShortId => Id.ToString("N")[..8];

    [JsonIgnore]
    public string SessionName => "p-" + ShortId;

    public TimeSpan Duration(DateTimeOffset now) => (EndedAt ?? now) - StartedAt;
}
