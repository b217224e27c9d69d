using P.Cli;
using P.Processes;
using P.Transport;

namespace P.Sync;

/// <summary>Runs rsync: progress on a terminal, a one-line error naming rsync's complaint otherwise.</summary>
internal sealed class Rsync(PContext context)
{
    // "partial transfer because of vanished source files": a file that
    // disappeared between listing and sending is not worth failing for.
    private const int VanishedFiles = 24;

    /// <summary>Runs rsync -a with the endpoint's options, then <paramref name="arguments"/>.</summary>
    public async Task RunAsync(RsyncEndpoint endpoint, IReadOnlyList<string> arguments, string cwd, byte[]? stdin, string what, CancellationToken ct)
    {
        var argv = new List<string> { "rsync", "-a" };
        argv.AddRange(endpoint.Options);
        var progress = context.StderrIsTerminal ? new SyncProgress(context.Err, what) : null;
        if (progress is not null)
        {
            argv.AddRange(["--info=progress2", "--no-inc-recursive"]);
        }
        argv.AddRange(arguments);
        // progress2's numbers are parsed; keep them in the C locale.
        var env = new Dictionary<string, string>(endpoint.Environment) { ["LC_ALL"] = "C" };
        using var stderr = new MemoryStream();
        var code = await context.Processes.RunAsync(new ProcessSpec(argv)
        {
            Environment = env,
            WorkingDirectory = cwd,
            Stdin = stdin is null ? null : ProcessSpec.Bytes(stdin),
            Stdout = progress,
            Stderr = stderr,
        }, ct);
        progress?.Clear();
        if (code != 0 && code != VanishedFiles)
        {
            var err = System.Text.Encoding.UTF8.GetString(stderr.ToArray());
            var detail = err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
            throw new UserError($"{what} failed (rsync exit {code}: {detail})");
        }
    }
}
