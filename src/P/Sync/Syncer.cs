using P.Cli;
using P.Transport;

namespace P.Sync;

/// <summary>Copies the client's directory into a job's work dir with rsync.</summary>
internal sealed class Syncer(ProcessRunner runner, PContext context)
{
    // rsync's "partial transfer because of vanished source files": a file that
    // disappeared between listing and sending is not worth failing the job for.
    private const int VanishedFiles = 24;

    public async Task SyncAsync(string source, IWorkerTransport transport, string workdir, string? basis, CancellationToken ct)
    {
        var target = transport.RsyncTarget(workdir + "/");
        var files = await new GitFileList(runner).ListAsync(source, ct);
        var argv = new List<string> { "rsync", "-a" };
        argv.AddRange(target.Options);
        if (basis is not null)
        {
            // A relative --copy-dest is resolved against the destination: the
            // previous work dir of the same directory is the delta basis.
            argv.Add($"--copy-dest=../{basis}");
        }
        argv.AddRange(files is null
            ? ["--filter=:- .gitignore"]
            : ["-r", "--from0", "--files-from=-", "--ignore-missing-args"]);
        var progress = context.StderrIsTerminal ? new SyncProgress(context.Err) : null;
        if (progress is not null)
        {
            argv.AddRange(["--info=progress2", "--no-inc-recursive"]);
        }
        argv.AddRange(["./", target.Destination]);

        var info = runner.StartInfo(argv, target.Environment, source);
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.Environment["LC_ALL"] = "C";
        using var process = runner.Start(info);
        var readErr = process.StandardError.ReadToEndAsync(ct);
        var readOut = progress is null
            ? process.StandardOutput.ReadToEndAsync(ct)
            : progress.FollowAsync(process.StandardOutput, ct);
        await ProcessRunner.WriteAndCloseAsync(process.StandardInput.BaseStream, files, ct);
        await readOut;
        await process.WaitForExitAsync(ct);
        progress?.Clear();
        var err = await readErr;
        if (process.ExitCode != 0 && process.ExitCode != VanishedFiles)
        {
            var detail = err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
            throw new UserError($"sync failed (rsync exit {process.ExitCode}: {detail}). Use -n to run without syncing.");
        }
    }
}
