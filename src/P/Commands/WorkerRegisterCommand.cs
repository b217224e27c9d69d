using System.CommandLine;
using P.Cli;
using P.Core;
using P.Store;

namespace P.Commands;

internal static class WorkerRegisterCommand
{
    public static Command Create(PContext context)
    {
        var connection = new Argument<string>("connection") { Description = "user@host, user@host:port, user@[ipv6]:port, an ssh config alias, or 'local'" };
        var name = new Option<string?>("--name", "-n") { Description = "Name of the worker (default: the host name)" };
        var slurm = new Option<bool>("--slurm") { Description = "A Slurm submit host: jobs run through srun" };
        var srunArgs = new Option<string?>("--srun-args") { Description = "Default srun arguments of its jobs, e.g. '-c 4 --time=1:00:00' (with --slurm)" };
        var command = new Command("register", "Register a worker (the first one becomes the default)\n\nExamples:\n  p worker register alice@build1\n  p worker register alice@10.0.0.5:2222 -n beefy\n  p worker register local\n  p worker register alice@login1 --slurm --srun-args '-c 4 --time=2:00:00'")
        {
            connection,
            name,
            slurm,
            srunArgs,
        };
        command.SetAction(parse =>
        {
            var parsed = Connection.Parse(parse.GetValue(connection)!);
            var workerName = parse.GetValue(name) is { } given ? WorkerName.Validate(given) : WorkerName.DefaultFor(parsed);
            var defaults = parse.GetValue(srunArgs);
            if (defaults is not null && !parse.GetValue(slurm))
            {
                throw new UserError("--srun-args is for a Slurm worker: add --slurm.", ExitCodes.Usage);
            }
            // Split now, so that a quoting mistake is caught at registration.
            ShellWords.Split(defaults ?? "");
            var settings = parse.GetValue(slurm) ? new SlurmSettings(defaults ?? "") : null;
            var (_, config) = new ConfigStore(Paths.From(context).ConfigFile).Update(c => c.Add(new Worker(workerName, parsed, Slurm: settings)));
            var isDefault = config.DefaultWorker == workerName ? " (default)" : "";
            context.Out.WriteLine($"registered worker '{workerName}' → {parsed.Text}{isDefault}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
