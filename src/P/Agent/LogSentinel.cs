using P.Transport;
using System.Text;

namespace P.Agent;

/// <summary>
/// Removes the invisible end-of-output marker (an unknown OSC sequence) that
/// the agent prints so it knows the log is complete, from a log shown to the user.
/// </summary>
internal sealed class LogSentinel(Stream inner, Guid id) : WriteOnlyStream
{
    private readonly byte[] sentinel = Encoding.ASCII.GetBytes($"\u001b]7777;p-end-{id:D}\u0007");
    private readonly List<byte> held = [];

    public static byte[] Strip(byte[] log, Guid id)
    {
        using var output = new MemoryStream();
        using (var filter = new LogSentinel(output, id))
        {
            filter.Write(log);
            filter.Complete();
        }
        return output.ToArray();
    }

    /// <summary>Writes out what was held back, minus the marker.</summary>
    public void Complete()
    {
        var text = held.ToArray();
        held.Clear();
        var at = text.AsSpan().IndexOf(sentinel);
        inner.Write(at < 0 ? text : [.. text.AsSpan(0, at), .. text.AsSpan(at + sentinel.Length)]);
        inner.Flush();
    }

    // Holds back only a tail that could be the start of a marker split across
    // two writes, so live output is not delayed.
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        held.AddRange(buffer.Span);
        var span = held.ToArray().AsSpan();
        var marker = span.IndexOf(sentinel);
        if (marker >= 0)
        {
            held.RemoveRange(marker, sentinel.Length);
            span = held.ToArray().AsSpan();
        }
        var keepFrom = Markers.PartialStart(span, sentinel);
        if (keepFrom > 0)
        {
            await inner.WriteAsync(span[..keepFrom].ToArray(), cancellationToken);
            held.RemoveRange(0, keepFrom);
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override void Flush() => inner.Flush();
}
