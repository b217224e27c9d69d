using P.Agent;
using P.Cli;
using P.Core;
using P.Store;
using P.Transport;
using P.Watch;

namespace P.Commands;

/// <summary>
/// The end of a run shared by `p -- cmd` and `p attach`: follow the job on a
/// terminal or as a stream, then record what the worker says and report it.
/// </summary>
internal sealed class JobFinisher(AgentApi agent, IWorkerTransport transport, JobStore store, PContext context)
{
    // Exit codes from here up are a signal's (128 + n) or ssh's own (255).
    private const int FirstSignalOrSshCode = 128;

    /// <summary>Attaches the user's terminal; returns the job's exit code, or 0 after a detach.</summary>
    public async Task<int> AttachAsync(Job job, CancellationToken ct, Task<int>? attached = null)
    {
        var code = await (attached ?? transport.RunOnTerminalAsync(AgentApi.AttachArgv(job.Id), ct));
        if (attached is not null && code is > 0 and < FirstSignalOrSshCode)
        {
            // An attach made during the start may have run an agent that the
            // start then installed or replaced (a new worker, an upgraded p):
            // the agent's shell failed, so attach once more, now that the job
            // runs. Not after ssh's own failure (255) or a signal (128 + n):
            // that is the link breaking under an attached session.
            code = await transport.RunOnTerminalAsync(AgentApi.AttachArgv(job.Id), ct);
        }
        AgentJobState state;
        try
        {
            state = await agent.StatusAsync(job.Id, ct);
        }
        catch (WorkerUnreachable)
        {
            return ConnectionLost(job);
        }
        if (!state.Finished && code != 0 && state.State == WorkerState.Running)
        {
            // tmux attach ends with 0 on a detach or a closed session; anything
            // else while the job still runs is the link breaking under us.
            return ConnectionLost(job);
        }
        if (!state.Finished)
        {
            WatcherLauncher.Start(context, Paths.From(context), job.Worker);
            context.Err.WriteLine($"p: detached from job {job.ShortId} on {job.Worker}; it keeps running.");
            context.Err.WriteLine($"   p attach {job.ShortId}    re-attach");
            context.Err.WriteLine($"   p logs -f {job.ShortId}   follow its output");
            return ExitCodes.Ok;
        }
        return Report(Record(job, state));
    }

    private int ConnectionLost(Job job)
    {
        context.Err.WriteLine($"p: lost the connection to {job.Worker}; job {job.ShortId} keeps running there.");
        context.Err.WriteLine($"   p attach {job.ShortId}    re-attach once the worker is reachable (or p logs -f)");
        WatcherLauncher.Start(context, Paths.From(context), job.Worker);
        return ExitCodes.ConnectionLost;
    }

    /// <summary>Copies the log of a job with a terminal to stdout as it is produced; returns the job's exit code.</summary>
    public async Task<int> FollowLogAsync(Job job, CancellationToken ct)
    {
        var filter = new LogSentinel(context.Stdout, job.Id);
        try
        {
            await agent.CopyLogAsync(job.Id, follow: true, filter, ct);
            // Ctrl+C on a terminal also ends ssh, which can look like the end of the log.
            ct.ThrowIfCancellationRequested();
        }
        catch (OperationCanceledException)
        {
            return LeftRunning(job);
        }
        catch (Exception e) when (e is WorkerUnreachable or AgentBroken)
        {
            context.Err.WriteLine($"p: {e.Message}");
            return ConnectionLost(job);
        }
        filter.Complete();
        var state = await agent.StatusAsync(job.Id, ct);
        if (!state.Finished)
        {
            var done = Record(job, state);
            context.Err.WriteLine($"p: job {job.ShortId} on {job.Worker} is {state.State.ToString().ToLowerInvariant()}: the worker has no exit code for it.");
            return done.ExitCode ?? ExitCodes.Error;
        }
        // Nobody is watching this job's screen: its log holds everything.
        await agent.CloseAsync(job.Id, ct);
        return Report(Record(job, state));
    }

    /// <summary>
    /// Starts a job without a terminal and relays its stdin, stdout and
    /// stderr in one call (see <see cref="AgentApi.StreamJobAsync"/>); the
    /// signals p gets are passed on to it. Returns the job's exit code.
    /// </summary>
    public async Task<int> StreamAsync(Job job, Launch launch, CancellationToken ct)
    {
        var trailer = new StreamTrailer(context.Stderr, job.Id);
        using var leave = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var relay = new SignalRelay(agent, job, context.Clock, leave);
        var running = false;
        var call = agent.StreamJobAsync(job, launch, context.Stdin, context.Stdout, trailer, () =>
        {
            running = true;
            store.Save(job.WithStarter(null) with { Status = JobStatus.Running });
        }, leave.Token);
        // Until the sync is settled a signal is p's own (it stops the start);
        // from then on it is passed on to the job.
        if (launch.Sync is not null)
        {
            await Task.WhenAny(launch.Sync);
        }
        using (context.Signals.TakeOver(relay.Deliver))
        {
            try
            {
                await call;
            }
            catch (OperationCanceledException) when (running)
            {
                return LeftRunning(job);
            }
            catch (UserError) when (running)
            {
                return ConnectionLost(job);
            }
        }
        trailer.Complete();
        if (trailer.State is not { } state)
        {
            return ConnectionLost(job);
        }
        var done = Record(job, state);
        return context.StderrIsTerminal ? Report(done) : done.ExitCode ?? ExitCodes.Error;
    }

    private int LeftRunning(Job job)
    {
        context.Err.WriteLine($"p: left job {job.ShortId} running on {job.Worker}: `p attach {job.ShortId}` or `p logs -f {job.ShortId}` follows it.");
        WatcherLauncher.Start(context, Paths.From(context), job.Worker);
        return App.Interrupted;
    }

    public Job Record(Job job, AgentJobState state) => JobRecorder.Apply(store, job, state);

    private int Report(Job job)
    {
        var code = job.ExitCode ?? ExitCodes.Error;
        var what = job.Status == JobStatus.Stopped ? "stopped" : "finished";
        context.Err.WriteLine(
            $"p: job {job.ShortId} on {job.Worker} {what} [exit {code}] after {Durations.Format(job.Duration(context.Clock.GetUtcNow()))}");
        return code;
    }
}
