using P.Cli;
using P.Transport;

namespace P.Sync;

/// <summary>Runs rsync: progress on a terminal, a one-line error naming rsync's complaint otherwise.</summary>
internal sealed class Rsync(ProcessRunner runner, PContext context)
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

        var info = runner.StartInfo(argv, endpoint.Environment, cwd);
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        // progress2's numbers are parsed; keep them in the C locale.
        info.Environment["LC_ALL"] = "C";
        using var process = runner.Start(info);
        using var kill = ct.Register(() => process.Kill(entireProcessTree: true));
        var readErr = process.StandardError.ReadToEndAsync(ct);
        var readOut = progress is null
            ? process.StandardOutput.ReadToEndAsync(ct)
            : progress.FollowAsync(process.StandardOutput, ct);
        await ProcessRunner.WriteAndCloseAsync(process.StandardInput.BaseStream, stdin, ct);
        await readOut;
        await process.WaitForExitAsync(ct);
        progress?.Clear();
        var err = await readErr;
        if (process.ExitCode != 0 && process.ExitCode != VanishedFiles)
        {
            var detail = err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
            throw new UserError($"{what} failed (rsync exit {process.ExitCode}: {detail})");
        }
    }
}
