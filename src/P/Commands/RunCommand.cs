using System.CommandLine;
using P.Agent;
using P.Cli;
using P.Core;
using P.Store;
using P.Sync;
using P.Transport;
using P.Watch;

namespace P.Commands;

/// <summary>`p [-n] [-d] [worker] -- command...`: sync, start in tmux, attach or stream.</summary>
internal static class RunCommand
{
    /// <summary>Adds the run options to the root command; <paramref name="command"/> is what followed `--`.</summary>
    public static void Configure(RootCommand root, PContext context, IReadOnlyList<string>? command)
    {
        var noSync = new Option<bool>("--no-sync", "-n") { Description = "Do not sync the current directory (the job gets an empty work dir)" };
        var detach = new Option<bool>("--detach", "-d") { Description = "Start the job, print its id, do not attach" };
        var worker = new Argument<string?>("worker") { Description = "Worker to run on (default: the default worker)", Arity = ArgumentArity.ZeroOrOne, Hidden = true };
        root.Options.Add(noSync);
        root.Options.Add(detach);
        root.Arguments.Add(worker);
        root.SetAction((parse, ct) =>
        {
            var name = parse.GetValue(worker);
            if (command is null)
            {
                throw new UserError(name is null
                    ? "no command: run `p -- <command>`, or see `p --help`."
                    : $"'{name}' is not a p command; to run on worker '{name}', use `p {name} -- <command>`.", ExitCodes.Usage);
            }
            return RunAsync(context, name, parse.GetValue(noSync), parse.GetValue(detach), command, ct);
        });
    }

    private static async Task<int> RunAsync(PContext context, string? workerName, bool noSync, bool detach, IReadOnlyList<string> command, CancellationToken ct)
    {
        if (command.Count == 0)
        {
            throw new UserError("nothing to run after `--`: e.g. `p -- make`.", ExitCodes.Usage);
        }
        var paths = Paths.From(context);
        var worker = new ConfigStore(paths.ConfigFile).Load().Resolve(workerName);
        var (_, transport, agent) = WorkerLink.Open(worker, paths, context);
        var store = new JobStore(paths.JobsDir);
        var sync = !noSync;

        var job = new Job
        {
            Id = Guid.NewGuid(),
            Worker = worker.Name,
            Cwd = context.Cwd,
            Command = command,
            Status = JobStatus.Starting,
            StartedAt = DateTimeOffset.UtcNow,
            Synced = sync,
            StarterPid = Environment.ProcessId,
        };
        store.Save(job);
        try
        {
            if (sync)
            {
                var basis = await agent.PrepareAsync(job.Id, context.Cwd, ct);
                await new Syncer(new ProcessRunner(context), context).SyncAsync(context.Cwd, transport, $".p/workdirs/{job.Id:D}", basis, ct);
            }
        }
        catch (Exception e) when (e is UserError or OperationCanceledException)
        {
            // It never ran: a record would only show a phantom job.
            store.Delete(job.Id);
            await CleanUpAsync(agent, job, sync);
            throw;
        }
        try
        {
            await agent.StartAsync(job, ct);
        }
        catch (UserError e) when (e.ExitCode is ExitCodes.Error or ExitCodes.Unreachable)
        {
            // The agent refused (e.g. no tmux there), or was never reached: nothing runs.
            store.Delete(job.Id);
            await CleanUpAsync(agent, job, sync);
            throw;
        }
        catch (Exception e) when (e is UserError or OperationCanceledException)
        {
            // The start may have reached the worker with only the reply lost:
            // the record stays `starting`, with no starter, and the watcher asks the worker.
            store.Save(job with { StarterPid = null });
            WatcherLauncher.Start(context, paths, worker.Name);
            throw;
        }
        job = job with { Status = JobStatus.Running, StarterPid = null };
        store.Save(job);
        WatcherLauncher.Start(context, paths, worker.Name);

        if (detach)
        {
            context.Out.WriteLine(job.Id.ToString("D"));
            return ExitCodes.Ok;
        }
        var finisher = new JobFinisher(agent, transport, store, context);
        return context.Interactive
            ? await finisher.AttachAsync(job, ct)
            : await finisher.StreamAsync(job, ct);
    }

    /// <summary>Best effort: a half-synced work dir is no use to anyone.</summary>
    private static async Task CleanUpAsync(AgentApi agent, Job job, bool synced)
    {
        if (!synced)
        {
            return;
        }
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await agent.RemoveAsync([job.Id], limit.Token);
        }
        catch (Exception e) when (e is UserError or OperationCanceledException)
        {
        }
    }
}
