namespace P.Transport;

/// <summary>
/// How the client reaches a worker: over ssh, or on this machine for the
/// `local` worker. Every call runs an argv in the worker user's home directory.
/// </summary>
internal interface IWorkerTransport
{
    /// <summary>Runs argv with the given stdin; stdout is what the program printed (no login-shell noise).</summary>
    Task<RemoteResult> RunAsync(IReadOnlyList<string> argv, byte[]? stdin, CancellationToken ct);

    /// <summary>Runs argv and copies its stdout to sink as it arrives.</summary>
    Task<RemoteResult> StreamAsync(IReadOnlyList<string> argv, Stream sink, CancellationToken ct);

    /// <summary>Runs argv on the user's terminal. Every word must be a <see cref="SafeWord"/>.</summary>
    Task<int> RunOnTerminalAsync(IReadOnlyList<string> argv, CancellationToken ct);

    /// <summary>How rsync names a path relative to the worker's home.</summary>
    RsyncEndpoint RsyncPath(string pathUnderHome);
}

/// <summary>Exit code, stdout (empty when streamed) and stderr of a call.</summary>
internal sealed record RemoteResult(int ExitCode, byte[] Stdout, string Stderr, bool Unreachable);

/// <summary>The destination argument and the extra options and environment rsync needs.</summary>
internal sealed record RsyncEndpoint(string Location, IReadOnlyList<string> Options, IReadOnlyDictionary<string, string> Environment);
