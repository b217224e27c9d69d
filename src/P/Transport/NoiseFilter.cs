using System.Text;

namespace P.Transport;

/// <summary>
/// Copies a stream, dropping everything up to and including the bootstrap's
/// marker: a ~/.bashrc that echoes must not reach rsync or the agent parser.
/// </summary>
internal static class NoiseFilter
{
    private static readonly byte[] MarkerBytes = Encoding.ASCII.GetBytes(RemoteBootstrap.Marker);

    /// <returns>Whether the marker was seen (if not, the remote side never ran our program).</returns>
    public static async Task<bool> CopyAfterMarkerAsync(Stream source, Stream sink, CancellationToken ct, bool flushEachChunk = false)
    {
        var buffer = new byte[64 * 1024];
        var pending = new List<byte>();
        var seen = false;
        int read;
        while ((read = await source.ReadAsync(buffer, ct)) > 0)
        {
            if (!seen)
            {
                // Only the new bytes, and a marker's length before them, can hold a new match.
                var from = Math.Max(0, pending.Count - MarkerBytes.Length + 1);
                pending.AddRange(buffer.AsSpan(0, read));
                var at = IndexOf(pending, MarkerBytes, from);
                if (at < 0)
                {
                    continue;
                }
                seen = true;
                var rest = pending.Skip(at + MarkerBytes.Length).ToArray();
                pending.Clear();
                await sink.WriteAsync(rest, ct);
            }
            else
            {
                await sink.WriteAsync(buffer.AsMemory(0, read), ct);
            }
            if (flushEachChunk)
            {
                await sink.FlushAsync(ct);
            }
        }
        await sink.FlushAsync(ct);
        return seen;
    }

    private static int IndexOf(List<byte> haystack, byte[] needle, int from)
    {
        for (var i = from; i + needle.Length <= haystack.Count; i++)
        {
            var match = true;
            for (var j = 0; j < needle.Length && match; j++)
            {
                match = haystack[i + j] == needle[j];
            }
            if (match)
            {
                return i;
            }
        }
        return -1;
    }
}
