using System.Text;

namespace P.Transport;

/// <summary>
/// A write-through stream that drops everything up to and including the
/// bootstrap's marker: a ~/.bashrc that echoes must not reach rsync, the agent
/// parser or the user. What came before the marker is kept: when the marker
/// never comes, it is ssh's own complaint.
/// </summary>
internal sealed class NoiseFilter(Stream inner) : WriteOnlyStream
{
    private static readonly byte[] MarkerBytes = Encoding.ASCII.GetBytes(RemoteBootstrap.Marker);
    private readonly MemoryStream before = new();

    /// <summary>Whether the marker was seen (if not, the remote side never ran our program).</summary>
    public bool Seen { get; private set; }

    /// <summary>What came before the marker, or everything when it never came.</summary>
    public string Before => Encoding.UTF8.GetString(before.ToArray());

    public static async Task<bool> CopyAfterMarkerAsync(Stream source, Stream sink, CancellationToken ct, bool flushEachChunk = false)
    {
        var filter = new NoiseFilter(sink);
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await source.ReadAsync(buffer, ct)) > 0)
        {
            await filter.WriteAsync(buffer.AsMemory(0, read), ct);
            if (flushEachChunk)
            {
                await filter.FlushAsync(ct);
            }
        }
        await filter.FlushAsync(ct);
        return filter.Seen;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Seen)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            return;
        }
        // Only the new bytes, and a marker's length before them, can hold a new match.
        var from = (int)Math.Max(0, before.Length - MarkerBytes.Length + 1);
        before.Write(buffer.Span);
        var held = before.GetBuffer().AsSpan(0, (int)before.Length);
        var at = held[from..].IndexOf(MarkerBytes);
        if (at < 0)
        {
            return;
        }
        Seen = true;
        var start = from + at + MarkerBytes.Length;
        var rest = held[start..].ToArray();
        before.SetLength(from + at);
        await inner.WriteAsync(rest, cancellationToken);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();
}
