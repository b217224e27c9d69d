using System.CommandLine;
using P.Cli;

namespace P.Commands;

internal static class StopCommand
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    public static Command Create(PContext context)
    {
        var id = JobTarget.IdArgument();
        var command = new Command("stop", "Stop a running job and its whole process tree (SIGINT, then SIGTERM, then SIGKILL)\n\nExample:\n  p stop a3f2") { id };
        command.SetAction(async (parse, ct) =>
        {
            var target = JobTarget.Resolve(context, parse.GetValue(id)!);
            var (signal, state) = await target.Agent.StopAsync(target.Job.Id, Grace, ct);
            var job = target.Finisher.Record(target.Job, state);
            var code = job.ExitCode is { } c ? $" [exit {c}]" : "";
            context.Err.WriteLine(signal switch
            {
                null => $"p: job {job.ShortId} had already finished{code}: nothing to stop.",
                "none" => $"p: job {job.ShortId} had no running process left{code}.",
                _ => $"p: stopped job {job.ShortId} on {job.Worker} with SIG{signal}{(signal == "INT" ? "" : " (it outlived the gentler signals)")}{code}.",
            });
            return ExitCodes.Ok;
        });
        return command;
    }
}
