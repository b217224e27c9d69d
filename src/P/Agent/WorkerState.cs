namespace P.Agent;

/// <summary>What the agent's status line says of a job (its second field).</summary>
internal enum WorkerState
{
    Running,
    Done,
    Stopped,

    /// <summary>No exit code and no live pane: the tmux server died (reboot, OOM kill).</summary>
    Lost,

    /// <summary>The worker has no directory for the job.</summary>
    Gone,

    /// <summary>Prepared but never started: the client was interrupted.</summary>
    Unstarted,
}
