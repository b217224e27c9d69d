using System.Text;
using P.Transport;

namespace P.Agent;

/// <summary>
/// The stderr of a streamed job. Once the job is over the agent appends
/// "\0P-AGENT/1 END &lt;id&gt; &lt;status line&gt;\n"; this passes the job's
/// own stderr on, byte for byte, and keeps the status line for the client.
/// </summary>
internal sealed class StreamTrailer(Stream inner, Guid id) : WriteOnlyStream
{
    private readonly byte[] marker = Encoding.ASCII.GetBytes($"\0P-AGENT/1 END {id:D} ");
    private byte[] held = [];
    private List<byte>? tail;

    /// <summary>The job's final state, once the trailer has arrived whole.</summary>
    public AgentJobState? State
    {
        get
        {
            if (tail is null || tail.IndexOf((byte)'\n') is var end && end < 0)
            {
                return null;
            }
            return AgentJobState.ParseAll(Encoding.UTF8.GetString([.. tail.Take(end)])).SingleOrDefault();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (tail is not null)
        {
            tail.AddRange(buffer.Span);
            return;
        }
        byte[] data = [.. held, .. buffer.Span];
        var at = data.AsSpan().IndexOf(marker);
        var pass = at >= 0 ? at : Markers.PartialStart(data, marker);
        if (at >= 0)
        {
            tail = [.. data.AsSpan(at + marker.Length)];
        }
        held = at >= 0 ? [] : data[pass..];
        if (pass > 0)
        {
            await inner.WriteAsync(data.AsMemory(0, pass), cancellationToken);
        }
    }

    /// <summary>The stream ended: what was held back was not a marker after all.</summary>
    public void Complete()
    {
        if (held.Length > 0)
        {
            inner.Write(held);
            held = [];
        }
        inner.Flush();
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
}
