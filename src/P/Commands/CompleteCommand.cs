using System.CommandLine;
using P.Cli;
using P.Core;
using P.Store;

namespace P.Commands;

/// <summary>
/// `p __complete workers|jobs`: the dynamic words of the shell completion
/// scripts, one per line. Hidden: it is an interface between p and its own
/// scripts, not a command for people.
/// </summary>
internal static class CompleteCommand
{
    public const string Name = "__complete";

    public static Command Create(PContext context)
    {
        var workers = new Command("workers", "Registered worker names");
        workers.SetAction(_ => Print(context, paths =>
            new ConfigStore(paths.ConfigFile).Load().Workers.Select(w => w.Name)));

        var running = new Option<bool>("--running") { Description = "Only jobs that may still be running" };
        var describe = new Option<bool>("--describe") { Description = "Append ':<status> <worker> <command>' (for zsh)" };
        var jobs = new Command("jobs", "Short ids of the jobs in the local store, newest first") { running, describe };
        jobs.SetAction(parse => Print(context, paths =>
            new JobStore(paths.JobsDir).All()
                .Where(j => !parse.GetValue(running) || j.Status.MayBeRunning())
                .OrderByDescending(j => j.StartedAt)
                .ThenBy(j => j.ShortId, StringComparer.Ordinal)
                .Select(j => parse.GetValue(describe) ? $"{j.ShortId}:{Describe(j)}" : j.ShortId)));

        return new Command(Name, "Words for the shell completion scripts")
        {
            Hidden = true,
            Subcommands = { workers, jobs },
        };
    }

    private static string Describe(Job job)
    {
        var status = job.Describe();
        return $"{status} {job.Worker} {CommandText.Truncate(CommandText.Display(job.Command), 50)}";
    }

    // The words land in the line being edited: a missing HOME or a broken
    // store yields no words rather than an error message in the middle of it.
    private static int Print(PContext context, Func<Paths, IEnumerable<string>> words)
    {
        List<string> lines;
        try
        {
            lines = [.. words(Paths.From(context))];
        }
        catch (Exception e) when (e is UserError or IOException or UnauthorizedAccessException)
        {
            return ExitCodes.Ok;
        }
        foreach (var line in lines)
        {
            context.Out.WriteLine(line);
        }
        return ExitCodes.Ok;
    }
}
