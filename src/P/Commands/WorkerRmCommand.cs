using System.CommandLine;
using P.Cli;
using P.Core;
using P.Store;

namespace P.Commands;

internal static class WorkerRmCommand
{
    public static Command Create(PContext context)
    {
        var name = new Argument<string>("name") { Description = "Worker to unregister" };
        var command = new Command("rm", "Unregister a worker (refused while it has running jobs)") { name };
        command.SetAction(parse =>
        {
            var paths = Paths.From(context);
            var (config, updated) = new ConfigStore(paths.ConfigFile).Update(config =>
            {
                var worker = config.Get(parse.GetValue(name)!);
                var running = new JobStore(paths.JobsDir, context.Err).All()
                    .Where(j => j.Worker == worker.Name && j.Status is JobStatus.Running or JobStatus.Starting or JobStatus.Unknown)
                    .Select(j => j.ShortId)
                    .ToList();
                if (running.Count > 0)
                {
                    throw new UserError($"worker '{worker.Name}' has running jobs ({string.Join(", ", running)}): stop them with `p stop <id>` first.");
                }
                return config.Remove(worker.Name);
            });
            var removed = parse.GetValue(name)!;
            context.Out.WriteLine($"removed worker '{removed}'"
                + (config.DefaultWorker == removed && updated.DefaultWorker is { } d ? $"; the default is now '{d}'" : ""));
            return ExitCodes.Ok;
        });
        return command;
    }
}
