using System.Text;
using P.Cli;
using P.Core;
using P.Processes;

namespace P.Transport;

/// <summary>A worker reached with the system's OpenSSH client.</summary>
internal sealed class SshTransport(Connection connection, Paths paths, IProcessLauncher processes, PContext context, string pBinary) : IWorkerTransport
{
    private readonly SshCommand ssh = new(connection, paths, context);

    // ssh's own failures (no route, refused, auth) exit 255.
    private const int SshFailure = 255;

    public async Task<RemoteResult> RunAsync(IReadOnlyList<string> argv, RemoteIo io, CancellationToken ct)
    {
        using var captured = new MemoryStream();
        var stdout = new NoiseFilter(io.Stdout);
        var stderr = new NoiseFilter(io.Stderr ?? captured);
        var code = await processes.RunAsync(new ProcessSpec(ssh.Build(RemoteBootstrap.Command(argv), batch: !context.StdinIsTerminal))
        {
            Stdin = io.Stdin,
            Stdout = stdout,
            Stderr = stderr,
            OwnSession = io.OwnSession,
        }, ct);
        var err = stderr.Seen ? Encoding.UTF8.GetString(captured.ToArray()) : stderr.Before;
        return new RemoteResult(code, [], err, code == SshFailure && !stdout.Seen);
    }

    public Task<int> RunOnTerminalAsync(IReadOnlyList<string> argv, CancellationToken ct) =>
        processes.RunAsync(new ProcessSpec(ssh.Build(RemoteBootstrap.TerminalCommand(argv), terminal: true, batch: false)) { Terminal = true }, ct);

    public RsyncEndpoint RsyncPath(string pathUnderHome)
    {
        // rsync runs `<rsh> p rsync --server ...`; our _rsh passes that argv
        // through the same bootstrap as every other call.
        var self = pBinary.Contains('\'', StringComparison.Ordinal) ? $"\"{pBinary}\"" : $"'{pBinary}'";
        return new RsyncEndpoint(
            "p:" + pathUnderHome,
            ["-s", "-e", $"{self} _rsh"],
            new Dictionary<string, string> { ["P_RSH_CONNECTION"] = connection.Text });
    }
}
