using System.CommandLine;
using P.Cli;
using P.Sync;

namespace P.Commands;

internal static class PullCommand
{
    public static Command Create(PContext context)
    {
        var id = JobTarget.IdArgument();
        var path = new Argument<string>("path") { Description = "File or directory in the job's work dir" };
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
            var relative = await target.Agent.ResolvePathAsync(target.Job.Id, wanted, ct);
            var workdir = $".p/workdirs/{target.Job.Id:D}/";
            var source = target.Transport.RsyncPath(relative == "." ? workdir : workdir + relative);
            var destination = Path.GetFullPath(parse.GetValue(dest) ?? ".", context.Cwd);
            await new Rsync(context)
                .RunAsync(source, [source.Location, destination], context.Cwd, null, "pull", ct);
            context.Err.WriteLine($"p: pulled {relative} from job {target.Job.ShortId} to {destination}");
            return ExitCodes.Ok;
        });
        return command;
    }

    // The agent resolves symlinks and refuses what leads out; this catches the
    // plain `..` before any round trip.
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
