using System.Collections.Concurrent;
using System.IO.Pipes;
using System.Text;
using P.Transport;

namespace P.Tests.Support;

/// <summary>
/// A worker whose agent is played by the test: each verb p calls goes to the
/// handler registered for it; a call nobody expected fails the test (as gh's
/// process stubs do). Calls are recorded in order.
/// </summary>
internal sealed class FakeWorker : IWorkerTransport
{
    private readonly Dictionary<string, Func<FakeCall, Task<int>>> handlers = [];

    public ConcurrentQueue<FakeCall> Calls { get; } = new();

    public IEnumerable<string> Verbs => Calls.Select(c => c.Verb);

    /// <summary>Calls end as ssh's own failure to connect would (the transport's Unreachable), whatever the handler answers.</summary>
    public bool Unreachable { get; set; }

    public FakeWorker On(string verb, Func<FakeCall, Task<int>> handler)
    {
        handlers[verb] = handler;
        return this;
    }

    public async Task<RemoteResult> RunAsync(IReadOnlyList<string> argv, RemoteIo io, CancellationToken ct)
    {
        // sh -c <launcher> p-agent <version> <verb> <args...>
        Assert.True(argv.Count >= 6 && argv[3] == "p-agent", $"not an agent call: {string.Join(' ', argv)}");
        using var fromP = new AnonymousPipeServerStream(PipeDirection.In);
        var toWorker = new AnonymousPipeClientStream(PipeDirection.Out, fromP.ClientSafePipeHandle);
        _ = Task.Run(async () =>
        {
            try
            {
                if (io.Stdin is not null)
                {
                    await io.Stdin(toWorker, ct);
                }
            }
            catch (IOException)
            {
            }
            finally
            {
                await toWorker.DisposeAsync();
            }
        }, CancellationToken.None);
        var call = new FakeCall(argv[5], [.. argv.Skip(6)], fromP, io.Stdout, io.Stderr ?? Stream.Null, ct);
        Calls.Enqueue(call);
        var handler = handlers.GetValueOrDefault(call.Verb)
            ?? throw new InvalidOperationException($"unexpected agent call: {call.Verb} {string.Join(' ', call.Args)}");
        var code = await handler(call);
        // As the real launcher does: a cancelled call throws once its process is gone.
        ct.ThrowIfCancellationRequested();
        return new RemoteResult(code, [], Unreachable ? "ssh: connect to host w1 port 22: Connection refused" : "", Unreachable);
    }

    public Task<int> RunOnTerminalAsync(IReadOnlyList<string> argv, CancellationToken ct) =>
        throw new InvalidOperationException("unexpected terminal session");

    public RsyncEndpoint RsyncPath(string pathUnderHome) =>
        throw new InvalidOperationException("unexpected rsync");
}

/// <summary>One call of the fake agent: what p sent, and the streams to answer on.</summary>
internal sealed class FakeCall(string verb, IReadOnlyList<string> args, Stream stdin, Stream stdout, Stream stderr, CancellationToken ct)
{
    public string Verb { get; } = verb;

    public IReadOnlyList<string> Args { get; } = args;

    public CancellationToken Cancelled { get; } = ct;

    /// <summary>`start`'s -m: the job's terminal mode.</summary>
    public string Mode => Option("-m") ?? "tty";

    /// <summary>`start`'s arguments after its options: uuid, worker, cwd, display, label, argv.</summary>
    public IReadOnlyList<string> StartArgs => [.. Args.Skip(OptionWords)];

    public Guid JobId => Guid.Parse(Verb == "start" ? StartArgs[0] : Args[0]);

    /// <summary>The environment `start` reads first on stdin (its -e says how many bytes): sh export lines.</summary>
    public string ReadEnvironment()
    {
        var block = new byte[int.Parse(Option("-e") ?? "0", System.Globalization.CultureInfo.InvariantCulture)];
        stdin.ReadExactly(block);
        return Encoding.UTF8.GetString(block);
    }

    // Options come in pairs before the uuid: -m MODE, -e BYTES.
    private int OptionWords
    {
        get
        {
            var i = 0;
            while (i + 1 < Args.Count && Args[i].StartsWith('-'))
            {
                i += 2;
            }
            return i;
        }
    }

    private string? Option(string name)
    {
        for (var i = 0; i < OptionWords; i += 2)
        {
            if (Args[i] == name)
            {
                return Args[i + 1];
            }
        }
        return null;
    }

    /// <summary>Everything p sends after the options, to its end.</summary>
    public byte[] ReadRest()
    {
        using var rest = new MemoryStream();
        stdin.CopyTo(rest);
        return rest.ToArray();
    }

    public void Ok() => Out("P-AGENT/1 OK\n");

    public void Out(string text) => Write(stdout, text);

    public void Err(string text) => Write(stderr, text);

    /// <summary>The end of a streamed job, as the agent appends it to stderr.</summary>
    public void Trailer(Guid id, string state, int exitCode) =>
        Err($"\0P-AGENT/1 END {id:D} {id:D} {state} {exitCode} 1700000010 open 1700000000\n");

    private static void Write(Stream stream, string text)
    {
        stream.Write(Encoding.UTF8.GetBytes(text));
        stream.Flush();
    }
}
