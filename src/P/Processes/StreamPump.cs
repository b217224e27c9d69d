namespace P.Processes;

/// <summary>Copies a stream chunk by chunk, flushing each, until end of file or the reader is gone.</summary>
internal static class StreamPump
{
    public static async Task CopyAsync(Stream from, Stream to, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, ct)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), ct);
                await to.FlushAsync(ct);
            }
        }
        catch (IOException)
        {
            // The reader exited first.
        }
    }
}
