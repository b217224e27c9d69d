using P.Transport;
using System.Text;

namespace P.Agent;

/// <summary>A write-only stream that keeps the agent's first line (its frame) and passes the rest on; <c>onAccepted</c> runs when the frame is OK.</summary>
internal sealed class FrameSplitter(Stream inner, Action? onAccepted = null) : WriteOnlyStream
{
    private readonly List<byte> head = [];
    private readonly TaskCompletionSource<bool> accepted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string? Frame { get; private set; }

    /// <summary>True once an OK frame arrived; false once another frame arrived or the call ended without one.</summary>
    public Task<bool> Accepted => accepted.Task;

    /// <summary>The call is over: no frame will come any more.</summary>
    public void Ended() => accepted.TrySetResult(false);

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Frame is not null)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            return;
        }
        var newline = buffer.Span.IndexOf((byte)'\n');
        if (newline < 0)
        {
            head.AddRange(buffer.Span);
            return;
        }
        head.AddRange(buffer.Span[..newline]);
        Frame = Encoding.UTF8.GetString([.. head]);
        var ok = Frame == AgentClient.FramePrefix + "OK";
        if (ok)
        {
            // Before any byte of payload moves on: what the caller records
            // on acceptance comes before whatever the payload leads to.
            onAccepted?.Invoke();
        }
        accepted.TrySetResult(ok);
        await inner.WriteAsync(buffer[(newline + 1)..], cancellationToken);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override void Flush() => inner.Flush();
}
