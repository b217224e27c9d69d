using System.Text.Json.Serialization;

namespace P.Core;

internal enum JobStatus
{
    /// <summary>Recorded, but not yet running on the worker (sync or start under way).</summary>
    [JsonStringEnumMemberName("starting")] Starting,
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("done")] Done,
    [JsonStringEnumMemberName("stopped")] Stopped,
    [JsonStringEnumMemberName("unknown")] Unknown,
    [JsonStringEnumMemberName("lost")] Lost,

    /// <summary>Shown, never stored: a running job that Slurm has not started yet.</summary>
    [JsonStringEnumMemberName("pending")] Pending,
}

internal static class JobStatusText
{
    /// <summary>Nothing will change this status any more.</summary>
    public static bool IsFinal(this JobStatus status) => status is JobStatus.Done or JobStatus.Stopped or JobStatus.Lost;

    /// <summary>
    /// The job may still run on its worker; Unknown included: the client
    /// missed the end, so the job may well still be there to attach to or stop.
    /// </summary>
    public static bool MayBeRunning(this JobStatus status) => !status.IsFinal();

    /// <summary>The one way a status is shown to people: `done [3]`, `running`, ...</summary>
    public static string Describe(this Job job) => job.Pending ? "pending" : job.Status switch
    {
        JobStatus.Done => job.ExitCode is { } code ? $"done [{code}]" : "done",
        _ => job.Status.ToString().ToLowerInvariant(),
    };
}
