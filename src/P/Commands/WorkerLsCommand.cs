using System.CommandLine;
using P.Agent;
using P.Cli;
using P.Core;
using P.Store;

namespace P.Commands;

internal static class WorkerLsCommand
{
    public static Command Create(PContext context)
    {
        var check = new Option<bool>("--check", "-c") { Description = "Also probe every worker over SSH (in parallel)" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds a probe may take", DefaultValueFactory = _ => 5 };
        var command = new Command("ls", "List registered workers\n\nExamples:\n  p worker ls\n  p worker ls --check") { check, timeout };
        command.SetAction(async (parse, ct) =>
        {
            var paths = Paths.From(context);
            var config = new ConfigStore(paths.ConfigFile).Load();
            if (config.Workers.Count == 0)
            {
                context.Err.WriteLine("p: no worker registered: run `p worker register user@host` (or `p worker register local`).");
                return ExitCodes.Ok;
            }
            string[] header = ["NAME", "CONNECTION", "DEFAULT"];
            var rows = config.Workers.Select(w => new[] { w.Name, w.Connection.Text, w.Name == config.DefaultWorker ? "*" : "" }).ToList();
            var slurm = config.Workers.Any(w => w.Slurm is not null);
            if (slurm)
            {
                // Only when there is one: scripts that read the plain table keep its columns.
                header = [.. header, "SCHEDULER"];
                rows = [.. rows.Zip(config.Workers, (row, w) => (string[])[.. row, w.Slurm is null ? "-" : "slurm"])];
            }
            var notes = new List<string>();
            if (parse.GetValue(check))
            {
                var limit = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(timeout)));
                var probes = await Task.WhenAll(config.Workers.Select(w => ProbeAsync(w, paths, context, limit, ct)));
                header = [.. header, "STATUS", "AGENT", "MISSING"];
                rows = [.. rows.Zip(probes, (row, probe) => (string[])[.. row, .. probe.Columns])];
                notes.AddRange(probes.SelectMany(p => p.Notes));
            }
            Table.Write(context.Out, rows.Prepend(header));
            foreach (var note in notes)
            {
                context.Out.WriteLine(note);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private sealed record Probe(string[] Columns, IReadOnlyList<string> Notes);

    private static async Task<Probe> ProbeAsync(Worker worker, Paths paths, PContext context, TimeSpan limit, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(limit);
        var agent = WorkerLink.Open(worker, paths, context).Agent;
        try
        {
            var (version, missing) = await agent.CheckAsync(deadline.Token);
            var notes = worker.Slurm is null ? [] : (await agent.SlurmCheckAsync(deadline.Token)).Describe(worker.Name).ToList();
            return new(["reachable", version, missing.Count == 0 ? "-" : string.Join(",", missing)], notes);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new([$"unreachable (no answer in {limit.TotalSeconds:0}s)", "-", "-"], []);
        }
        catch (UserError e)
        {
            return new([e is WorkerUnreachable ? "unreachable" : "error: " + e.Message, "-", "-"], []);
        }
    }
}
