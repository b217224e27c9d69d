namespace P.Core;

/// <summary>Whether a job has a terminal, and where its stdio goes (see the agent's header).</summary>
internal enum JobMode
{
    /// <summary>Its tmux pane is its terminal.</summary>
    Tty,

    /// <summary>No terminal; stdin, stdout and stderr are relayed over the call that started it.</summary>
    Pipe,

    /// <summary>No terminal; stdin is /dev/null, output only in the log and the pane.</summary>
    Null,
}
