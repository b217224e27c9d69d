using P.Cli;
using P.Core;
using P.Processes;
using P.Transport;

namespace P.Commands;

/// <summary>
/// `p _rsh`: the remote shell rsync is given (-e). rsync calls it as
/// `_rsh p rsync --server ...`; it runs that argv through the same bootstrap as
/// every other call, so a login shell's greeting or an exotic login shell
/// cannot corrupt rsync's protocol stream.
/// </summary>
internal static class RshCommand
{
    public const string Name = "_rsh";

    public static async Task<int> RunAsync(PContext context, IReadOnlyList<string> args, CancellationToken ct)
    {
        var connection = context.GetEnv("P_RSH_CONNECTION") is { Length: > 0 } text
            ? Connection.Parse(text)
            : throw new UserError("_rsh is p's remote shell for rsync and needs P_RSH_CONNECTION.", ExitCodes.Usage);
        if (args.Count < 2)
        {
            throw new UserError("_rsh needs a host and a command.", ExitCodes.Usage);
        }
        var ssh = new SshCommand(connection, Paths.From(context), context).Build(RemoteBootstrap.Command([.. args.Skip(1)]));
        return await context.Processes.RunAsync(new ProcessSpec(ssh)
        {
            // rsync closes our stdin when it is done.
            Stdin = (toRemote, token) => StreamPump.CopyAsync(context.Stdin, toRemote, token),
            Stdout = new NoiseFilter(context.Stdout),
            Stderr = new NoiseFilter(context.Stderr),
        }, ct);
    }
}
