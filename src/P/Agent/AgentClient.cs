using System.Text;
using P.Cli;
using P.Transport;

namespace P.Agent;

/// <summary>
/// Calls the agent on one worker. Every call carries the version the client
/// expects; a missing or different agent is uploaded and the call retried once.
/// </summary>
internal sealed class AgentClient(IWorkerTransport transport, AgentScript script, string workerName)
{
    public const string FramePrefix = "P-AGENT/1 ";

    // Run by sh, never by the login shell: they arrive through the bootstrap.
    // The agent is sourced, not exec'd: one shell start less on every call.
    private const string Launcher =
        "P_AGENT_SELF=\"$HOME/.p/bin/p-agent\"; [ -f \"$P_AGENT_SELF\" ] || { echo 'P-AGENT/1 MISSING'; exit 0; }; " +
        // An agent older than P_AGENT_SELF finds itself as ./p-agent ($0).
        "cd \"$HOME/.p/bin\" && . \"$P_AGENT_SELF\"";

    private const string Installer =
        "umask 077 && mkdir -p \"$HOME/.p/bin\" && t=\"$HOME/.p/bin/.p-agent.$$\" && cat >\"$t\" && " +
        "chmod 700 \"$t\" && mv -f \"$t\" \"$HOME/.p/bin/p-agent\" && echo 'P-AGENT/1 OK'";

    /// <summary>Runs a verb and returns its payload (the lines after the OK frame).</summary>
    public Task<string> CallAsync(string verb, IReadOnlyList<string> args, CancellationToken ct, byte[]? stdin = null) =>
        CallAsync(verb, args, stdin is null ? null : new AgentInput(stdin), ct);

    public async Task<string> CallAsync(string verb, IReadOnlyList<string> args, AgentInput? input, CancellationToken ct)
    {
        using var payload = new MemoryStream();
        await StreamAsync(verb, args, payload, ct, input);
        return Encoding.UTF8.GetString(payload.ToArray());
    }

    /// <summary>
    /// Runs a verb whose payload is a byte stream (a log), copied to sink as it
    /// arrives. The frame comes first, so a stale agent is replaced before any
    /// byte of payload was passed on, and before any byte of forwarded input was sent.
    /// </summary>
    public async Task StreamAsync(string verb, IReadOnlyList<string> args, Stream sink, CancellationToken ct, AgentInput? input = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var framed = new FrameSplitter(sink, input?.Accepted);
            var io = new RemoteIo(
                input is null ? null : (stdin, token) => input.WriteAsync(stdin, framed.Accepted, token),
                framed,
                input?.Stderr,
                input?.OwnSession ?? false);
            var result = await transport.RunAsync(Argv(verb, args), io, ct);
            framed.Ended();
            if (framed.Frame is null || !framed.Frame.StartsWith(FramePrefix, StringComparison.Ordinal))
            {
                throw Failure(result);
            }
            var word = framed.Frame[FramePrefix.Length..];
            if (word == "OK")
            {
                return;
            }
            if ((word == "MISSING" || word.StartsWith("STALE", StringComparison.Ordinal)) && attempt == 0)
            {
                await InstallAsync(ct);
                continue;
            }
            if (word.StartsWith("RESYNC ", StringComparison.Ordinal))
            {
                throw new MirrorOutOfDate(word[7..]);
            }
            if (word.StartsWith("ERR ", StringComparison.Ordinal))
            {
                throw new AgentRefused($"worker '{workerName}': {word[4..]}");
            }
            throw Failure(result);
        }
    }

    /// <summary>The argv that runs a verb through the launcher, for calls that need a terminal.</summary>
    public static IReadOnlyList<string> TerminalArgv(string verb, params string[] args) =>
        ["sh", ".p/bin/p-agent", "-", verb, .. args];

    private IReadOnlyList<string> Argv(string verb, IReadOnlyList<string> args) =>
        ["sh", "-c", Launcher, "p-agent", script.Version, verb, .. args];

    private async Task InstallAsync(CancellationToken ct)
    {
        var result = await transport.RunAsync(["sh", "-c", Installer], script.Bytes, ct);
        if (!Encoding.UTF8.GetString(result.Stdout).StartsWith(FramePrefix + "OK", StringComparison.Ordinal))
        {
            throw Failure(result, "could not install the agent in ~/.p/bin");
        }
    }

    private UserError Failure(RemoteResult result, string what = "the agent did not answer")
    {
        var detail = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (result.Unreachable)
        {
            return new WorkerUnreachable(
                $"cannot reach worker '{workerName}'{(detail is null ? "" : $" ({detail})")}: check the network and that plain ssh to it works.");
        }
        return new AgentBroken(
            $"worker '{workerName}': {what} (exit {result.ExitCode}{(detail is null ? "" : $": {detail}")}). Is `sh` its POSIX shell?");
    }
}

/// <summary>
/// What a call sends besides its argv: <paramref name="Head"/> at once, then
/// <see cref="Later"/> when it is known, then, once the agent has accepted
/// the call, <paramref name="Forward"/> (p's own stdin for a streamed job) to
/// its end. <paramref name="Stderr"/> gets the call's stderr instead of the
/// error message; <paramref name="Accepted"/> runs when the agent accepts the
/// call, before any payload is passed on.
/// </summary>
internal sealed record AgentInput(byte[] Head, Stream? Forward = null, Stream? Stderr = null, bool OwnSession = false, Action? Accepted = null)
{
    /// <summary>Bytes worked out while the call's session opens; if it fails, stdin ends there.</summary>
    public Task<byte[]>? Later { get; init; }

    public async Task WriteAsync(Stream remote, Task<bool> accepted, CancellationToken ct)
    {
        await remote.WriteAsync(Head, ct);
        if (Later is not null)
        {
            await remote.WriteAsync(await Later, ct);
        }
        await remote.FlushAsync(ct);
        if (Forward is not null && await accepted)
        {
            await Processes.StreamPump.CopyAsync(Forward, remote, ct);
        }
    }
}

/// <summary>The worker's mirror of a directory is not what the client last sent (or was changed there): rsync, then start again.</summary>
internal sealed class MirrorOutOfDate(string reason) : Exception(reason);
