using System.CommandLine;
using P.Cli;
using P.Core;
using P.Store;

namespace P.Commands;

internal static class WorkerDefaultCommand
{
    public static Command Create(PContext context)
    {
        var name = new Argument<string>("name") { Description = "Worker to make the default" };
        var command = new Command("default", "Set the default worker") { name };
        command.SetAction(parse =>
        {
            var (_, config) = new ConfigStore(Paths.From(context).ConfigFile).Update(c => c.WithDefault(parse.GetValue(name)!));
            context.Out.WriteLine($"default worker: '{config.DefaultWorker}'");
            return ExitCodes.Ok;
        });
        return command;
    }
}
