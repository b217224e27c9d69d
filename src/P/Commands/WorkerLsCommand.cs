using System.CommandLine;
using P.Cli;
using P.Core;
using P.Store;

namespace P.Commands;

internal static class WorkerLsCommand
{
    public static Command Create(PContext context)
    {
        var command = new Command("ls", "List registered workers");
        command.SetAction(parse =>
        {
            var config = new ConfigStore(Paths.From(context).ConfigFile).Load();
            if (config.Workers.Count == 0)
            {
                context.Err.WriteLine("p: no worker registered: run `p worker register user@host` (or `p worker register local`).");
                return ExitCodes.Ok;
            }
            var rows = config.Workers
                .Select(w => new[] { w.Name, w.Connection.Text, w.Name == config.DefaultWorker ? "*" : "" })
                .Prepend(["NAME", "CONNECTION", "DEFAULT"]);
            Table.Write(context.Out, rows);
            return ExitCodes.Ok;
        });
        return command;
    }
}
