using System.CommandLine;
using P.Agent;
using P.Cli;
using P.Core;

namespace P.Commands;

internal static class AttachCommand
{
    public static Command Create(PContext context)
    {
        var id = JobTarget.IdArgument();
        var command = new Command("attach", "Re-attach to a job's tmux session (Ctrl+B D detaches)\n\nExample:\n  p attach a3f2") { id };
        command.SetAction(async (parse, ct) =>
        {
            var target = JobTarget.Resolve(context, parse.GetValue(id)!);
            var finisher = target.Finisher;
            var state = await target.Agent.StatusAsync(target.Job.Id, ct);
            if (state.SessionOpen && state.State != WorkerState.Lost)
            {
                return await finisher.AttachAsync(target.Job, ct);
            }
            var job = finisher.Record(target.Job, state);
            if (job.Status is JobStatus.Done or JobStatus.Stopped)
            {
                context.Err.WriteLine($"p: job {job.ShortId} finished with exit code {job.ExitCode}; its session is closed: see `p logs {job.ShortId}`.");
                return job.ExitCode ?? ExitCodes.Error;
            }
            throw new UserError($"job {job.ShortId} is lost: the worker has neither its session nor an exit code (rebooted?). See `p logs {job.ShortId}`.");
        });
        return command;
    }
}
