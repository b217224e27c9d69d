using P.Processes;

namespace P.Transport;

/// <summary>
/// How the client reaches a worker: over ssh, or on this machine for the
/// `local` worker. Every call runs an argv in the worker user's home directory.
/// </summary>
internal interface IWorkerTransport
{
    /// <summary>Runs argv with io's stdin; its stdout and stderr (no login-shell noise) go to io's sinks.</summary>
    Task<RemoteResult> RunAsync(IReadOnlyList<string> argv, RemoteIo io, CancellationToken ct);

    /// <summary>Runs argv on the user's terminal. Every word must be a <see cref="SafeWord"/>.</summary>
    Task<int> RunOnTerminalAsync(IReadOnlyList<string> argv, CancellationToken ct);

    /// <summary>How rsync names a path relative to the worker's home.</summary>
    RsyncEndpoint RsyncPath(string pathUnderHome);
}

/// <summary>
/// The streams of one remote call. A null stderr is captured into
/// <see cref="RemoteResult.Stderr"/>. <paramref name="OwnSession"/> keeps a
/// Ctrl+C at p's terminal away from the transport (p passes it on itself).
/// </summary>
internal sealed record RemoteIo(Func<Stream, CancellationToken, Task>? Stdin, Stream Stdout, Stream? Stderr = null, bool OwnSession = false);

/// <summary>Exit code, stdout (filled by the byte-array overload only) and stderr of a call.</summary>
internal sealed record RemoteResult(int ExitCode, byte[] Stdout, string Stderr, bool Unreachable);

/// <summary>The destination argument and the extra options and environment rsync needs.</summary>
internal sealed record RsyncEndpoint(string Location, IReadOnlyList<string> Options, IReadOnlyDictionary<string, string> Environment);

internal static class WorkerTransportExtensions
{
    /// <summary>Runs argv with the given stdin; stdout is what the program printed.</summary>
    public static async Task<RemoteResult> RunAsync(this IWorkerTransport transport, IReadOnlyList<string> argv, byte[]? stdin, CancellationToken ct)
    {
        using var stdout = new MemoryStream();
        var result = await transport.RunAsync(argv, new RemoteIo(stdin is null ? null : ProcessSpec.Bytes(stdin), stdout), ct);
        return result with { Stdout = stdout.ToArray() };
    }
}
