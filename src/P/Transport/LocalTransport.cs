namespace P.Transport;

/// <summary>The `local` worker: the same agent and layout, run on this machine without ssh.</summary>
internal sealed class LocalTransport(ProcessRunner runner, string home) : IWorkerTransport
{
    public async Task<RemoteResult> RunAsync(IReadOnlyList<string> argv, byte[]? stdin, CancellationToken ct)
    {
        var (code, stdout, stderr) = await runner.RunAsync(argv, stdin, ct, cwd: home);
        return new RemoteResult(code, stdout, stderr, false);
    }

    public async Task<RemoteResult> StreamAsync(IReadOnlyList<string> argv, Stream sink, CancellationToken ct)
    {
        var info = runner.StartInfo(argv, cwd: home);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = true;
        using var process = runner.Start(info);
        using var kill = ct.Register(() => process.Kill(entireProcessTree: true));
        process.StandardInput.Close();
        var readErr = process.StandardError.ReadToEndAsync(ct);
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await process.StandardOutput.BaseStream.ReadAsync(buffer, ct)) > 0)
        {
            await sink.WriteAsync(buffer.AsMemory(0, read), ct);
            await sink.FlushAsync(ct);
        }
        await process.WaitForExitAsync(ct);
        return new RemoteResult(process.ExitCode, [], await readErr, false);
    }

    public Task<int> RunOnTerminalAsync(IReadOnlyList<string> argv, CancellationToken ct) =>
        runner.RunInteractiveAsync([.. argv.Select(SafeWord.Check)], ct, home);

    public RsyncEndpoint RsyncPath(string pathUnderHome) =>
        new(Path.Combine(home, pathUnderHome), [], new Dictionary<string, string>());
}
