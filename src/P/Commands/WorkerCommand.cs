using System.CommandLine;
using P.Cli;

namespace P.Commands;

/// <summary>`p worker ...`: the group of worker-management verbs.</summary>
internal static class WorkerCommand
{
    public static Command Create(PContext context)
    {
        var command = new Command("worker", "Manage workers (register, ls, rm, default)");
        command.Subcommands.Add(WorkerRegisterCommand.Create(context));
        command.Subcommands.Add(WorkerLsCommand.Create(context));
        command.Subcommands.Add(WorkerRmCommand.Create(context));
        command.Subcommands.Add(WorkerDefaultCommand.Create(context));
        return command;
    }
}
