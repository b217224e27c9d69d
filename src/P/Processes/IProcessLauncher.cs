namespace P.Processes;

/// <summary>
/// The one seam every child process of p goes through (ssh, rsync, git, tmux
/// on the local worker, the watcher), so tests can stand in for all of them.
/// </summary>
internal interface IProcessLauncher
{
    /// <summary>
    /// Runs the child until it exits and its stdout and stderr are drained;
    /// returns its exit code. Cancellation sends SIGTERM, then SIGKILL after
    /// the spec's grace period, and then throws <see cref="OperationCanceledException"/>.
    /// </summary>
    Task<int> RunAsync(ProcessSpec spec, CancellationToken ct);
}

internal static class ProcessLauncherExtensions
{
    /// <summary>Runs a child with the given stdin and returns its exit code, stdout and stderr.</summary>
    public static async Task<(int ExitCode, byte[] Stdout, string Stderr)> CaptureAsync(
        this IProcessLauncher launcher, ProcessSpec spec, byte[]? stdin, CancellationToken ct)
    {
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        var code = await launcher.RunAsync(
            spec with { Stdin = stdin is null ? null : ProcessSpec.Bytes(stdin), Stdout = stdout, Stderr = stderr }, ct);
        return (code, stdout.ToArray(), System.Text.Encoding.UTF8.GetString(stderr.ToArray()));
    }
}
