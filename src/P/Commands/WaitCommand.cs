using System.CommandLine;
using P.Agent;
using P.Cli;
using P.Core;
using P.Store;
using P.Watch;

namespace P.Commands;

/// <summary>`p wait &lt;id&gt;... [--timeout S]`: blocks until the jobs end; exits with their code.</summary>
internal static class WaitCommand
{
    public static Command Create(PContext context)
    {
        var ids = new Argument<string[]>("id") { Description = "Job ids or unique prefixes (at least 4 hex digits)", Arity = ArgumentArity.OneOrMore };
        var timeout = new Option<double?>("--timeout") { Description = $"Give up after this many seconds (exit {ExitCodes.Timeout})" };
        var command = new Command("wait", "Block until jobs end; exit with the job's exit code (the first non-zero of several)\n\nExamples:\n  p wait a3f2\n  p wait --timeout 600 a3f2 7c91") { ids, timeout };
        command.SetAction((parse, ct) => WaitAsync(context, parse.GetValue(ids)!, parse.GetValue(timeout), ct));
        return command;
    }

    private static async Task<int> WaitAsync(PContext context, string[] texts, double? seconds, CancellationToken ct)
    {
        if (seconds is < 0 or > int.MaxValue / 1000)
        {
            throw new UserError($"--timeout must be a number of seconds from 0 to {int.MaxValue / 1000}.", ExitCodes.Usage);
        }
        var paths = Paths.From(context);
        var store = new JobStore(paths.JobsDir, context.Err);
        var all = store.All();
        var jobs = texts.Select(t => JobLookup.Find(all, t)).ToList();
        var config = new ConfigStore(paths.ConfigFile).Load();
        using var limit = seconds is { } s
            ? new CancellationTokenSource(TimeSpan.FromSeconds(s), context.Clock)
            : new CancellationTokenSource();
        using var both = CancellationTokenSource.CreateLinkedTokenSource(ct, limit.Token);
        try
        {
            await Task.WhenAll(jobs.Where(j => !j.Status.IsFinal()).GroupBy(j => j.Worker).Select(group =>
                WaitOnWorkerAsync(context, paths, store, config, group.Key, [.. group], both.Token)));
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            var waiting = jobs.Select(j => store.Find(j.Id) ?? j).Where(j => !j.Status.IsFinal()).Select(j => j.ShortId);
            context.Err.WriteLine($"p: gave up after {seconds} s; still running: {string.Join(' ', waiting)}.");
            return ExitCodes.Timeout;
        }
        var ended = jobs.Select(j => store.Find(j.Id) ?? j).ToList();
        foreach (var job in ended.Where(j => j.Status == JobStatus.Lost))
        {
            context.Err.WriteLine($"p: job {job.ShortId} is lost: its worker has no exit code for it.");
        }
        return ended.Select(ExitCodeOf).FirstOrDefault(code => code != 0);
    }

    private static int ExitCodeOf(Job job) => job.Status == JobStatus.Lost ? ExitCodes.Error : job.ExitCode ?? ExitCodes.Error;

    /// <summary>Follows the agent's event stream until every one of these jobs has ended.</summary>
    private static async Task WaitOnWorkerAsync(PContext context, Paths paths, JobStore store, Config config, string workerName, IReadOnlyList<Job> jobs, CancellationToken ct)
    {
        var worker = config.Find(workerName)
            ?? throw new UserError($"job {jobs[0].ShortId} ran on worker '{workerName}', which is no longer registered: register it again, or `p rm {jobs[0].ShortId}`.");
        var agent = WorkerLink.Open(worker, paths, context).Agent;
        var byId = jobs.ToDictionary(j => j.Id);
        var sink = new LineSink(line =>
        {
            if (line.StartsWith("job ", StringComparison.Ordinal)
                && AgentJobState.ParseAll(line[4..]) is [var state]
                && byId.TryGetValue(state.Id, out var job))
            {
                JobRecorder.Apply(store, job, state);
            }
        });
        await agent.EventsAsync(byId.Keys, sink, ct);
    }
}
