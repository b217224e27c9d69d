using P.Cli;
using P.Core;

namespace P.Transport;

/// <summary>A worker reached with the system's OpenSSH client.</summary>
internal sealed class SshTransport(Connection connection, Paths paths, ProcessRunner runner, PContext context, string pBinary) : IWorkerTransport
{
    private readonly SshCommand ssh = new(connection, paths, context);

    // ssh's own failures (no route, refused, auth) exit 255.
    private const int SshFailure = 255;

    public async Task<RemoteResult> RunAsync(IReadOnlyList<string> argv, byte[]? stdin, CancellationToken ct)
    {
        var sink = new MemoryStream();
        var result = await CallAsync(argv, stdin, sink, ct);
        return result with { Stdout = sink.ToArray() };
    }

    public Task<RemoteResult> StreamAsync(IReadOnlyList<string> argv, Stream sink, CancellationToken ct) =>
        CallAsync(argv, null, sink, ct, flushEachChunk: true);

    public Task<int> RunOnTerminalAsync(IReadOnlyList<string> argv, CancellationToken ct) =>
        runner.RunInteractiveAsync(ssh.Build(RemoteBootstrap.TerminalCommand(argv), terminal: true, batch: false), ct);

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

    private async Task<RemoteResult> CallAsync(IReadOnlyList<string> argv, byte[]? stdin, Stream sink, CancellationToken ct, bool flushEachChunk = false)
    {
        var info = runner.StartInfo(ssh.Build(RemoteBootstrap.Command, batch: !context.StdinIsTerminal));
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var process = runner.Start(info);
        // A timeout or Ctrl+C must not leave ssh running on its own.
        using var kill = ct.Register(() => process.Kill(entireProcessTree: true));
        var readErr = process.StandardError.ReadToEndAsync(ct);
        var copy = NoiseFilter.CopyAfterMarkerAsync(process.StandardOutput.BaseStream, sink, ct, flushEachChunk);
        await ProcessRunner.WriteAndCloseAsync(process.StandardInput.BaseStream, [.. RemoteBootstrap.Header(argv), .. stdin ?? []], ct);
        var sawMarker = await copy;
        await process.WaitForExitAsync(ct);
        var err = await readErr;
        return new RemoteResult(process.ExitCode, [], err, process.ExitCode == SshFailure && !sawMarker);
    }
}
