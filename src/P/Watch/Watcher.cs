using System.Threading.Channels;
using P.Agent;
using P.Cli;
using P.Core;
using P.Store;

namespace P.Watch;

/// <summary>
/// `p _watch &lt;worker&gt;`: holds one agent event stream open while the worker
/// has jobs the client believes running, and records each outcome as it comes.
/// Exits when nothing is left to watch. See docs/architecture.md.
/// </summary>
internal sealed class Watcher(PContext context, Paths paths, Worker worker)
{
    // Four heartbeats missed mean the link is gone.
    private static readonly TimeSpan Silence = 4 * WatcherLock.Heartbeat;
    private static readonly TimeSpan Rescan = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(10);

    // How long a watcher with nothing to watch stays (as ssh's ControlPersist
    // keeps a master): the detached starts of a script share it, and each
    // finds it there instead of launching one.
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(5);

    private readonly JobStore store = new(paths.JobsDir);
    private readonly WatcherLock gate = new(paths, worker.Name);

    public async Task<int> RunAsync(CancellationToken ct)
    {
        var held = gate.TryAcquire();
        if (held is null)
        {
            return ExitCodes.Ok; // another watcher has this worker
        }
        var agent = WorkerLink.Open(worker, paths, context).Agent;
        DateTime? failingSince = null;
        var idleSince = DateTime.UtcNow;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var jobs = Watchlist.For(store, worker.Name);
                if (jobs.Count == 0 && DateTime.UtcNow - idleSince < Linger)
                {
                    var seen = DateTime.MinValue;
                    StoreChanged(ref seen);
                    do
                    {
                        await Task.Delay(Rescan, ct);
                    }
                    while (DateTime.UtcNow - idleSince < Linger && !StoreChanged(ref seen));
                    continue;
                }
                if (jobs.Count == 0)
                {
                    // Let go first, then look once more: a p that started a job
                    // while we held the lock relies on us seeing it.
                    gate.Flatline();
                    held.Dispose();
                    if (Watchlist.For(store, worker.Name).Count == 0 || (held = gate.TryAcquire()) is null)
                    {
                        return ExitCodes.Ok;
                    }
                    continue;
                }
                try
                {
                    await WatchAsync(agent, jobs, ct);
                    failingSince = null;
                    idleSince = DateTime.UtcNow;
                }
                catch (Exception e) when (e is UserError or TimeoutException && !ct.IsCancellationRequested)
                {
                    gate.Flatline();
                    failingSince ??= DateTime.UtcNow;
                    if (DateTime.UtcNow - failingSince > GiveUpAfter)
                    {
                        return ExitCodes.Unreachable; // `p ls` shows `unknown` and starts another
                    }
                    await Task.Delay(TimeSpan.FromSeconds(2), ct);
                }
            }
            return ExitCodes.Ok;
        }
        finally
        {
            held?.Dispose();
        }
    }

    // Every record is written by a rename into the jobs directory, which
    // updates its mtime: no need to read hundreds of records every second.
    // On a file system with 1 s timestamps a second change in the same second
    // leaves the mtime as it was: while the mtime is that recent, look anyway.
    private bool StoreChanged(ref DateTime seen)
    {
        var now = Directory.GetLastWriteTimeUtc(paths.JobsDir);
        var changed = now != seen || DateTime.UtcNow - now < SameSecond;
        seen = now;
        return changed;
    }

    private static readonly TimeSpan SameSecond = TimeSpan.FromSeconds(2);

    /// <summary>
    /// One event stream for these jobs, read through one channel with a
    /// timeout; returns when all are reported or the list changed, throws
    /// when the worker has been silent too long.
    /// </summary>
    private async Task WatchAsync(AgentApi agent, IReadOnlyList<Job> jobs, CancellationToken ct)
    {
        using var round = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var byId = jobs.ToDictionary(j => j.Id);
        var outcomes = new Outcomes(store);
        var lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var stream = agent.EventsAsync(byId.Keys, new LineSink(line => lines.Writer.TryWrite(line)), round.Token)
            .ContinueWith(t => lines.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);
        var lastHeard = DateTime.UtcNow;
        var seen = DateTime.MinValue;
        try
        {
            while (await NextAsync(lines.Reader, Rescan, round.Token) is var more && more != false)
            {
                if (more == true)
                {
                    while (lines.Reader.TryRead(out var line))
                    {
                        Heard(line, byId, outcomes);
                        lastHeard = DateTime.UtcNow;
                    }
                }
                if (DateTime.UtcNow - lastHeard > Silence)
                {
                    throw new TimeoutException($"no word from worker '{worker.Name}' in {Silence.TotalSeconds:0} s");
                }
                if (StoreChanged(ref seen) && Watchlist.For(store, worker.Name).Any(j => !byId.ContainsKey(j.Id)))
                {
                    break; // a new job to watch: a new stream
                }
            }
        }
        finally
        {
            await round.CancelAsync();
            await stream;
        }
        await outcomes.CleanUpAsync(agent, ct);
    }

    // One line from the agent: a job's outcome is recorded before the beat,
    // so that a beat vouches only for what was heard.
    private void Heard(string line, Dictionary<Guid, Job> byId, Outcomes outcomes)
    {
        if (line.StartsWith("job ", StringComparison.Ordinal)
            && AgentJobState.ParseAll(line[4..]) is [var state]
            && byId.TryGetValue(state.Id, out var job))
        {
            outcomes.Record(job, state);
        }
        gate.Beat();
    }

    // True: lines to read; null: none within the timeout; false: the stream
    // ended (it throws what ended it, if anything did).
    private static async Task<bool?> NextAsync(ChannelReader<string> reader, TimeSpan timeout, CancellationToken ct)
    {
        using var tick = CancellationTokenSource.CreateLinkedTokenSource(ct);
        tick.CancelAfter(timeout);
        try
        {
            return await reader.WaitToReadAsync(tick.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }
}
