using System.CommandLine;
using P.Agent;
using P.Cli;
using P.Core;

namespace P.Commands;

internal static class LogsCommand
{
    public static Command Create(PContext context)
    {
        var id = JobTarget.IdArgument();
        var follow = new Option<bool>("--follow", "-f") { Description = "Follow a running job until it ends; exit with its exit code" };
        var command = new Command("logs", "Print a job's captured output\n\nExamples:\n  p logs a3f2\n  p logs -f a3f2") { id, follow };
        command.SetAction(async (parse, ct) =>
        {
            var target = JobTarget.Resolve(context, parse.GetValue(id)!);
            var filter = new LogSentinel(context.Stdout, target.Job.Id);
            await target.Agent.CopyLogAsync(target.Job.Id, parse.GetValue(follow), filter, ct);
            filter.Complete();
            if (!parse.GetValue(follow))
            {
                return ExitCodes.Ok;
            }
            var job = target.Finisher.Record(target.Job, await target.Agent.StatusAsync(target.Job.Id, ct));
            return job.Status switch
            {
                JobStatus.Done or JobStatus.Stopped => job.ExitCode ?? ExitCodes.Error,
                _ => throw new UserError($"job {job.ShortId} is {job.Status.ToString().ToLowerInvariant()}: the worker has no exit code for it."),
            };
        });
        return command;
    }
}
