using P.Cli;
using P.Core;
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
        var runner = new ProcessRunner(context);
        var ssh = new SshCommand(connection, Paths.From(context), context).Build(RemoteBootstrap.Command);
        var info = runner.StartInfo(ssh);
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        using var process = runner.Start(info);

        var toRemote = process.StandardInput.BaseStream;
        await toRemote.WriteAsync(RemoteBootstrap.Header(args.Skip(1).ToList()), ct);
        await toRemote.FlushAsync(ct);
        var pumpIn = PumpAsync(StandardStreams.Input(), toRemote, ct);
        var pumpOut = NoiseFilter.CopyAfterMarkerAsync(process.StandardOutput.BaseStream, StandardStreams.Output(), ct, flushEachChunk: true);
        await pumpOut;
        await process.WaitForExitAsync(ct);
        _ = pumpIn; // rsync closes our stdin when it is done; nothing to wait for.
        return process.ExitCode;
    }

    private static async Task PumpAsync(Stream from, Stream to, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, ct)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), ct);
                await to.FlushAsync(ct);
            }
        }
        catch (IOException)
        {
            // ssh exited first.
        }
        finally
        {
            try
            {
                to.Close();
            }
            catch (IOException)
            {
            }
        }
    }
}
