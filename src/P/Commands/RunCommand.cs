using System.CommandLine;
using P.Agent;
using P.Cli;
using P.Core;
using P.Processes;
using P.Store;
using P.Sync;
using P.Watch;

namespace P.Commands;

/// <summary>`p [-n] [-d] [-t|-T] [-e ...] [worker] -- command...`: sync, start in tmux, attach or stream.</summary>
internal static class RunCommand
{
    /// <summary>What the command line asked for, beside the command itself.</summary>
    private sealed record RunOptions(string? Worker, bool NoSync, bool Detach, bool? Tty, JobEnvironment Env, bool? Incremental, string? SrunArgs);

    /// <summary>Adds the run options to the root command; <paramref name="command"/> is what followed `--`.</summary>
    public static void Configure(RootCommand root, PContext context, IReadOnlyList<string>? command)
    {
        var noSync = new Option<bool>("--no-sync", "-n") { Description = "Do not sync the current directory (the job gets an empty work dir)" };
        var detach = new Option<bool>("--detach", "-d") { Description = "Start the job, print its id, do not attach" };
        var tty = new Option<bool>("--tty", "-t") { Description = "Give the job a terminal, even from a script (as ssh -tt)" };
        var noTty = new Option<bool>("--no-tty", "-T") { Description = "Give the job no terminal, even at one: stream its stdin, stdout and stderr" };
        var env = new Option<string[]>("--env", "-e") { Description = "Set NAME=VALUE for the job, or pass this machine's NAME (repeatable)", AllowMultipleArgumentsPerToken = false };
        var envFile = new Option<string[]>("--env-file") { Description = "Read NAME=VALUE lines for the job from a file (repeatable)", AllowMultipleArgumentsPerToken = false };
        var incremental = new Option<bool>("--incremental") { Description = "Start from the previous job's work dir of this directory, build outputs included" };
        var noIncremental = new Option<bool>("--no-incremental") { Description = "Start from a clean copy, whatever the worker's `incremental` setting" };
        var srunArgs = new Option<string?>("--srun-args") { Description = "srun arguments for this job on a Slurm worker, instead of the worker's defaults" };
        var worker = new Argument<string?>("worker") { Description = "Worker to run on (default: the default worker)", Arity = ArgumentArity.ZeroOrOne, Hidden = true };
        foreach (var option in new Option[] { noSync, detach, tty, noTty, env, envFile, incremental, noIncremental, srunArgs })
        {
            root.Options.Add(option);
        }
        root.Arguments.Add(worker);
        root.SetAction((parse, ct) =>
        {
            var name = parse.GetValue(worker);
            if (name is not null && name.StartsWith('-'))
            {
                throw new UserError($"unknown option '{name}': see `p --help`.", ExitCodes.Usage);
            }
            if (command is null)
            {
                throw new UserError(name is null
                    ? "no command: run `p -- <command>`, or see `p --help`."
                    : $"'{name}' is not a p command; to run on worker '{name}', use `p {name} -- <command>`.", ExitCodes.Usage);
            }
            if (parse.GetValue(tty) && parse.GetValue(noTty))
            {
                throw new UserError("-t and -T contradict each other: give one.", ExitCodes.Usage);
            }
            var variables = new JobEnvironment();
            foreach (var file in parse.GetValue(envFile) ?? [])
            {
                variables.AddFile(file, context.Cwd, context.GetEnv);
            }
            foreach (var spec in parse.GetValue(env) ?? [])
            {
                variables.Add(spec, context.GetEnv);
            }
            if (parse.GetValue(incremental) && parse.GetValue(noIncremental))
            {
                throw new UserError("--incremental and --no-incremental contradict each other: give one.", ExitCodes.Usage);
            }
            var terminal = parse.GetValue(tty) ? true : parse.GetValue(noTty) ? false : (bool?)null;
            var fromPrevious = parse.GetValue(incremental) ? true : parse.GetValue(noIncremental) ? false : (bool?)null;
            return RunAsync(context, new RunOptions(name, parse.GetValue(noSync), parse.GetValue(detach), terminal, variables, fromPrevious, parse.GetValue(srunArgs)), command, ct);
        });
    }

    private static async Task<int> RunAsync(PContext context, RunOptions options, IReadOnlyList<string> command, CancellationToken ct)
    {
        if (command.Count == 0)
        {
            throw new UserError("nothing to run after `--`: e.g. `p -- make`.", ExitCodes.Usage);
        }
        var paths = Paths.From(context);
        var worker = new ConfigStore(paths.ConfigFile).Load().Resolve(options.Worker);
        var (_, transport, agent) = WorkerLink.Open(worker, paths, context);
        var store = new JobStore(paths.JobsDir, context.Err);
        var sync = !options.NoSync;
        // As ssh and docker decide it: a terminal when p attaches, or when asked.
        var tty = options.Tty ?? (!options.Detach && context.Interactive);

        var srun = SrunWords(worker, options.SrunArgs);
        var job = new Job
        {
            Id = Guid.NewGuid(),
            Worker = worker.Name,
            Cwd = context.Cwd,
            Command = command,
            Status = JobStatus.Starting,
            StartedAt = context.Clock.GetUtcNow(),
            Synced = sync,
        }.WithStarter(ProcessIdentity.Current());
        store.Save(job);
        var finisher = new JobFinisher(agent, transport, store, context);
        var syncer = new Syncer(context, new ManifestStore(paths.SyncDir));
        var streamed = !tty && !options.Detach;
        var attaching = !streamed && !options.Detach && context.Interactive;
        Task<int>? attached = null;
        // Streamed: one call starts the job and carries it to its end (its
        // exit code). Attached: the terminal's session is opened while the
        // start call runs (once the sync is over: the terminal is p's until
        // then), so the job's first output comes no later than a detached
        // start would answer.
        async Task<int?> StartAsync(Task<SyncRequest?>? syncing)
        {
            var launch = new Launch(tty ? JobMode.Tty : JobMode.Null, options.Env, syncing, srun);
            if (streamed)
            {
                return await finisher.StreamAsync(job, launch, ct);
            }
            var call = agent.StartAsync(job, launch, ct);
            if (syncing is not null && !(await Task.WhenAny(syncing)).IsCompletedSuccessfully)
            {
                await call;
                return null;
            }
            var attachStop = new CancellationTokenSource();
            var attach = attaching ? transport.RunOnTerminalAsync(AgentApi.AttachWhenStartedArgv(job.Id), attachStop.Token) : null;
            try
            {
                await call;
            }
            catch when (attach is not null)
            {
                // Give the terminal back before anything is said about the failure.
                await attachStop.CancelAsync();
                await Task.WhenAny(attach);
                throw;
            }
            attached = attach;
            return null;
        }
        // The start call goes out now: its session opens, and the agent gets
        // ready, while git and the manifest are worked out here.
        var syncing = sync ? new TaskCompletionSource<SyncRequest?>(TaskCreationOptions.RunContinuationsAsynchronously) : null;
        var starting = StartAsync(syncing?.Task);
        SyncPlan? plan = null;
        try
        {
            if (syncing is not null)
            {
                plan = await syncer.PlanAsync(context.Cwd, worker.Name, options.Incremental ?? worker.Incremental, ct);
                syncing.SetResult(plan.Inline ?? await syncer.RsyncAsync(plan, agent, transport, job.Id, ct));
            }
        }
        catch (Exception e) when (e is UserError or OperationCanceledException)
        {
            // The start call ends without its sync line, having done nothing.
            syncing!.TrySetCanceled(CancellationToken.None);
            await Task.WhenAny(starting);
            // It never ran: a record would only show a phantom job.
            store.Delete(job.Id);
            await CleanUpAsync(agent, job, sync);
            throw;
        }
        int? streamedCode;
        try
        {
            try
            {
                streamedCode = await starting;
            }
            catch (MirrorOutOfDate)
            {
                // The worker's mirror is not what this client last sent: a full rsync, then the same start.
                streamedCode = await StartAsync(Task.FromResult(await ResyncAsync(syncer, plan!, agent, transport, store, job, ct)));
            }
            Remember(syncer, plan);
        }
        catch (Exception e) when (e is AgentRefused or WorkerUnreachable)
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
            store.Save(job.WithStarter(null));
            WatcherLauncher.Start(context, paths, worker.Name);
            throw;
        }
        if (streamedCode is { } code)
        {
            return code;
        }
        job = job.WithStarter(null) with { Status = JobStatus.Running };
        store.Save(job);
        if (options.Detach)
        {
            WatcherLauncher.Start(context, paths, worker.Name);
            context.Out.WriteLine(job.Id.ToString("D"));
            return ExitCodes.Ok;
        }
        // While p follows the job it hears the end itself; the finisher
        // launches a watcher if it lets go first.
        return context.Interactive
            ? await finisher.AttachAsync(job, ct, attached)
            : await finisher.FollowLogAsync(job, ct);
    }

    /// <summary>srun's words for a Slurm worker, split here by shell rules (null: not a Slurm worker).</summary>
    private static IReadOnlyList<string>? SrunWords(Worker worker, string? given)
    {
        if (worker.Slurm is not { } slurm)
        {
            return given is null
                ? null
                : throw new UserError($"--srun-args is for Slurm workers, and '{worker.Name}' is not one (see `p worker register --slurm`).", ExitCodes.Usage);
        }
        return ShellWords.Split(given ?? slurm.SrunArgs);
    }

    private static void Remember(Syncer syncer, SyncPlan? plan)
    {
        if (plan is not null)
        {
            syncer.Remember(plan);
        }
    }

    private static async Task<SyncRequest?> ResyncAsync(Syncer syncer, SyncPlan plan, AgentApi agent, Transport.IWorkerTransport transport, JobStore store, Job job, CancellationToken ct)
    {
        try
        {
            return await syncer.RsyncAsync(plan, agent, transport, job.Id, ct);
        }
        catch (Exception e) when (e is UserError or OperationCanceledException)
        {
            store.Delete(job.Id);
            await CleanUpAsync(agent, job, synced: true);
            throw;
        }
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
