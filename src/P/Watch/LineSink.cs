using System.Text;
using P.Transport;

namespace P.Watch;

/// <summary>A write-only stream that hands each complete line to a callback.</summary>
internal sealed class LineSink(Action<string> onLine) : WriteOnlyStream
{
    private readonly List<byte> partial = [];

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        foreach (var b in buffer)
        {
            if (b == (byte)'\n')
            {
                onLine(Encoding.UTF8.GetString([.. partial]));
                partial.Clear();
            }
            else
            {
                partial.Add(b);
            }
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

}
