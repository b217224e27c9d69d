using System.Text;
using P.Processes;

namespace P.Transport;

/// <summary>The `local` worker: the same agent and layout, run on this machine without ssh.</summary>
internal sealed class LocalTransport(IProcessLauncher processes, string home) : IWorkerTransport
{
    public async Task<RemoteResult> RunAsync(IReadOnlyList<string> argv, RemoteIo io, CancellationToken ct)
    {
        using var captured = new MemoryStream();
        var code = await processes.RunAsync(new ProcessSpec(argv)
        {
            WorkingDirectory = home,
            Stdin = io.Stdin,
            Stdout = io.Stdout,
            Stderr = io.Stderr ?? captured,
            OwnSession = io.OwnSession,
        }, ct);
        return new RemoteResult(code, [], Encoding.UTF8.GetString(captured.ToArray()), false);
    }

    public Task<int> RunOnTerminalAsync(IReadOnlyList<string> argv, CancellationToken ct) =>
        processes.RunAsync(new ProcessSpec([.. argv.Select(SafeWord.Check)]) { WorkingDirectory = home, Terminal = true }, ct);

    public RsyncEndpoint RsyncPath(string pathUnderHome) =>
        new(Path.Combine(home, pathUnderHome), [], new Dictionary<string, string>());
}
