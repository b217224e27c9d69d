using System.CommandLine;
using System.Text.Json;
using P.Cli;
using P.Core;
using P.Store;
using P.Watch;

namespace P.Commands;

/// <summary>`p ls`: every job on every worker, from the local store only, so it is instant and works offline.</summary>
internal static class LsCommand
{
    private const string Description = """
        List jobs on all workers, newest first (local records only, no SSH).

        Examples:
          p ls -w beefy --running     running jobs on worker beefy
          p ls --json | jq -r '.[] | select(.status == "done") | .id'
        """;

    public static Command Create(PContext context)
    {
        var worker = new Option<string?>("--worker", "-w") { Description = "Only jobs on this worker", HelpName = "name" };
        var running = new Option<bool>("--running") { Description = "Only jobs that are running (or starting, or unknown)" };
        var refresh = new Option<bool>("--refresh") { Description = "Ask the workers about jobs not known to be finished first (SSH)" };
        var json = new Option<bool>("--json") { Description = "Print a JSON array (id, worker, cwd, command, status, exit_code, started_at, ended_at, slurm_job_id, slurm_state)" };
        var command = new Command("ls", Description) { worker, running, refresh, json };
        command.SetAction(async (parse, ct) =>
        {
            var paths = Paths.From(context);
            if (parse.GetValue(refresh))
            {
                await new Reconciler(context, paths).RefreshAsync(ct);
            }
            var workerName = parse.GetValue(worker);
            var onlyRunning = parse.GetValue(running);
            // Running jobs nobody is listening to are asked about now (and get a listener).
            var store = new JobStore(paths.JobsDir, context.Err);
            var jobs = (await JobVouching.VouchAsync(context, paths, store, ct))
                .Where(j => workerName is null || j.Worker == workerName)
                .Where(j => !onlyRunning || j.Status is JobStatus.Running or JobStatus.Starting or JobStatus.Unknown)
                .OrderByDescending(j => j.StartedAt)
                .ThenBy(j => j.Id)
                .ToList();
            if (parse.GetValue(json))
            {
                IReadOnlyList<JobListing> listing = [.. jobs.Select(JobListing.From)];
                context.Out.WriteLine(JsonSerializer.Serialize(listing, JobListingJson.Default.IReadOnlyListJobListing));
            }
            else
            {
                JobTable.Write(context.Out, jobs, DateTimeOffset.UtcNow, paths.Home, TerminalWidth.Of(context), Colors.Enabled(context));
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
