using System.CommandLine;
using P.Agent;
using P.Cli;
using P.Core;
using P.Store;

namespace P.Commands;

internal static class RmCommand
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    public static Command Create(PContext context)
    {
        var ids = new Argument<string[]>("id") { Description = "Job ids or unique prefixes", Arity = ArgumentArity.ZeroOrMore };
        var force = new Option<bool>("--force", "-f") { Description = "Stop running jobs first instead of refusing" };
        var done = new Option<bool>("--done") { Description = "Remove every finished job (done, stopped, lost)" };
        var all = new Option<bool>("--all") { Description = "Remove every job (asks on a terminal; running ones need --force)" };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation" };
        var command = new Command("rm", "Remove jobs: their records and their directories on the worker\n\nExamples:\n  p rm a3f2\n  p rm --done\n  p rm -f a3f2") { ids, force, done, all, yes };
        command.SetAction(async (parse, ct) =>
        {
            var paths = Paths.From(context);
            var store = new JobStore(paths.JobsDir, context.Err);
            var jobs = Select(store.All(), parse.GetValue(ids)!, parse.GetValue(done), parse.GetValue(all));
            if (jobs.Count == 0)
            {
                context.Err.WriteLine("p: no job to remove.");
                return ExitCodes.Ok;
            }
            if (parse.GetValue(all) && context.StdinIsTerminal && !parse.GetValue(yes) && !Confirm(context, jobs.Count))
            {
                context.Err.WriteLine("p: nothing removed.");
                return ExitCodes.Ok;
            }
            var config = new ConfigStore(paths.ConfigFile).Load();
            var failed = false;
            foreach (var group in jobs.GroupBy(j => j.Worker))
            {
                failed |= !await RemoveOnWorkerAsync(context, paths, config.Find(group.Key), store, [.. group], parse.GetValue(force), ct);
            }
            return failed ? ExitCodes.Error : ExitCodes.Ok;
        });
        return command;
    }

    private static List<Job> Select(IReadOnlyList<Job> all, string[] ids, bool done, bool everything)
    {
        if (everything)
        {
            return [.. all];
        }
        var chosen = ids.Select(id => JobLookup.Find(all, id)).ToList();
        if (done)
        {
            chosen.AddRange(all.Where(j => j.Status.IsFinal()));
        }
        if (chosen.Count == 0 && ids.Length == 0 && !done)
        {
            throw new UserError("name the jobs to remove, or use --done (finished jobs) or --all.", ExitCodes.Usage);
        }
        return [.. chosen.DistinctBy(j => j.Id)];
    }

    private static bool Confirm(PContext context, int count)
    {
        context.Err.Write($"Remove all {count} jobs and their work dirs? [y/N] ");
        using var input = new StreamReader(context.Stdin, leaveOpen: true);
        var answer = input.ReadLine()?.Trim();
        return answer is "y" or "Y" or "yes";
    }

    /// <returns>false when some job could not be removed (each is reported).</returns>
    private static async Task<bool> RemoveOnWorkerAsync(PContext context, Paths paths, Worker? worker, JobStore store, List<Job> jobs, bool force, CancellationToken ct)
    {
        if (worker is null)
        {
            // Its worker is gone from the config: nothing left to clean there.
            jobs.ForEach(j => Removed(context, store, j, " (its worker is no longer registered)"));
            return true;
        }
        var (_, transport, agent) = WorkerLink.Open(worker, paths, context);
        var finisher = new JobFinisher(agent, transport, store, context);
        try
        {
            var states = (await agent.StatusAsync(jobs.Select(j => j.Id), ct)).ToDictionary(s => s.Id);
            var ok = true;
            var removable = new List<Job>();
            foreach (var job in jobs)
            {
                if (states[job.Id].State != WorkerState.Running)
                {
                    removable.Add(job);
                }
                else if (force)
                {
                    var (_, state) = await agent.StopAsync(job.Id, StopGrace, ct);
                    finisher.Record(job, state);
                    removable.Add(job);
                }
                else
                {
                    context.Err.WriteLine($"p: job {job.ShortId} is running: stop it first (`p stop {job.ShortId}`) or use `p rm -f`.");
                    ok = false;
                }
            }
            if (removable.Count > 0)
            {
                var kept = await agent.RemoveAsync([.. removable.Select(j => j.Id)], ct);
                foreach (var job in removable)
                {
                    if (kept.Contains(job.Id))
                    {
                        context.Err.WriteLine($"p: could not delete all files of job {job.ShortId} on {worker.Name}; its record is kept.");
                        ok = false;
                    }
                    else
                    {
                        Removed(context, store, job, "");
                    }
                }
            }
            return ok;
        }
        catch (WorkerUnreachable e)
        {
            context.Err.WriteLine($"p: {e.Message} Kept {jobs.Count} job record(s) of '{worker.Name}': run `p rm` again once it is reachable.");
            return false;
        }
    }

    private static void Removed(PContext context, JobStore store, Job job, string note)
    {
        store.Delete(job.Id);
        context.Out.WriteLine(job.ShortId + note);
    }
}
