using P.Cli;
using P.Transport;

namespace P.Sync;

/// <summary>Copies the client's directory into a job's work dir with rsync.</summary>
internal sealed class Syncer(PContext context)
{
    public async Task SyncAsync(string source, IWorkerTransport transport, string workdir, string? basis, CancellationToken ct)
    {
        var target = transport.RsyncPath(workdir + "/");
        var files = await new GitFileList(context.Processes).ListAsync(source, ct);
        var arguments = new List<string>();
        if (basis is not null)
        {
            // A relative --copy-dest is resolved against the destination: the
            // previous work dir of the same directory is the delta basis.
            arguments.Add($"--copy-dest=../{basis}");
        }
        arguments.AddRange(files is null
            ? ["--filter=:- .gitignore"]
            : ["-r", "--from0", "--files-from=-", "--ignore-missing-args"]);
        arguments.AddRange(["./", target.Location]);
        try
        {
            await new Rsync(context).RunAsync(target, arguments, source, files, "sync", ct);
        }
        catch (UserError e)
        {
            throw new UserError(e.Message + ". Use -n to run without syncing.");
        }
    }
}
