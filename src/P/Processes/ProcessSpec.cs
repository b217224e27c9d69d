namespace P.Processes;

/// <summary>
/// One child process: its argv (always a list, never a joined string) and
/// where its three streams come from and go to.
/// </summary>
internal sealed record ProcessSpec(IReadOnlyList<string> Argv)
{
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    public string? WorkingDirectory { get; init; }

    /// <summary>Writes the child's stdin, which is closed when it returns. Null: stdin is empty.</summary>
    public Func<Stream, CancellationToken, Task>? Stdin { get; init; }

    /// <summary>Gets stdout as it is produced, flushed chunk by chunk. Null: discarded.</summary>
    public Stream? Stdout { get; init; }

    /// <summary>Gets stderr as it is produced. Null: discarded.</summary>
    public Stream? Stderr { get; init; }

    /// <summary>The child inherits p's stdin, stdout and stderr (the user's terminal).</summary>
    public bool Terminal { get; init; }

    /// <summary>
    /// Runs the child in a session of its own (setsid), so a Ctrl+C typed at
    /// p's terminal reaches p alone, which decides what to pass on.
    /// </summary>
    public bool OwnSession { get; init; }

    /// <summary>How long a cancelled child gets between SIGTERM and SIGKILL.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>A stdin that is exactly these bytes.</summary>
    public static Func<Stream, CancellationToken, Task> Bytes(byte[] data) =>
        async (stdin, ct) => await stdin.WriteAsync(data, ct);
}
