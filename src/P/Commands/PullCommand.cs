using System.CommandLine;
using System.IO.Pipelines;
using P.Cli;
using P.Sync;

namespace P.Commands;

internal static class PullCommand
{
    public static Command Create(PContext context)
    {
        var id = JobTarget.IdArgument();
        var path = new Argument<string>("path") { Description = "File or directory in the job's work dir, taken literally (no wildcards)" };
        var dest = new Argument<string>("dest") { Description = "Where to put it (default: the current directory)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("pull", "Copy a file or directory from a job's work dir (running or finished)\n\nExamples:\n  p pull a3f2 build/app.bin\n  p pull a3f2 reports ./out") { id, path, dest };
        command.SetAction(async (parse, ct) =>
        {
            var wanted = parse.GetValue(path)!;
            if (wanted.Length == 0 || wanted.Contains('\n', StringComparison.Ordinal) || EscapesWorkDir(wanted))
            {
                throw new UserError($"refused: '{wanted}' is not a path inside the job's work dir.", ExitCodes.Usage);
            }
            var target = JobTarget.Resolve(context, parse.GetValue(id)!);
            var destination = Path.GetFullPath(parse.GetValue(dest) ?? ".", context.Cwd);
            // The agent resolves and archives in one step on the worker; the
            // archive is unpacked as it arrives, inside the destination only.
            var pipe = new Pipe();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var unpack = Task.Run(async () =>
            {
                try
                {
                    await new SafeUntar(destination).ExtractAsync(pipe.Reader.AsStream(), stop.Token);
                }
                catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException or UnauthorizedAccessException)
                {
                    await stop.CancelAsync();
                    throw new UserError($"pull failed while writing into {destination}: {e.Message}");
                }
                catch
                {
                    // A refused entry ends the transfer too.
                    await stop.CancelAsync();
                    throw;
                }
                finally
                {
                    await pipe.Reader.CompleteAsync();
                }
            }, CancellationToken.None);
            try
            {
                await using (var sink = pipe.Writer.AsStream())
                {
                    await target.Agent.PullAsync(target.Job.Id, wanted, sink, stop.Token);
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // The unpacking failed: its error is the one to tell.
            }
            await unpack;
            context.Err.WriteLine($"p: pulled {wanted} from job {target.Job.ShortId} to {destination}");
            return ExitCodes.Ok;
        });
        return command;
    }

    // The agent refuses what leads out; this catches the plain `..` before any round trip.
    private static bool EscapesWorkDir(string path)
    {
        if (Path.IsPathRooted(path))
        {
            return false;
        }
        var full = Path.GetFullPath(path, "/w/");
        return full != "/w" && !full.StartsWith("/w/", StringComparison.Ordinal);
    }
}
