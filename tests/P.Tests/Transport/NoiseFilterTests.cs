using System.Text;
using P.Tests.Support;
using P.Transport;

namespace P.Tests.Transport;

public sealed class NoiseFilterTests
{
    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static async Task<(bool Seen, byte[] Output)> FilterAsync(byte[] input, int chunk = int.MaxValue, bool flushEachChunk = false)
    {
        var sink = new MemoryStream();
        var seen = await NoiseFilter.CopyAfterMarkerAsync(new ChunkedStream(input, chunk), sink, CancellationToken.None, flushEachChunk);
        return (seen, sink.ToArray());
    }

    [Fact]
    public async Task Noise_before_the_marker_is_dropped()
    {
        var (seen, output) = await FilterAsync(Bytes("Welcome to build1!\nLast login: today\n" + RemoteBootstrap.Marker + "payload\n"));

        Assert.True(seen);
        Assert.Equal("payload\n", Encoding.UTF8.GetString(output));
    }

    [Fact]
    public async Task Output_that_starts_with_the_marker_is_passed_on_whole()
    {
        var (seen, output) = await FilterAsync(Bytes(RemoteBootstrap.Marker + "P-AGENT/1 OK\n"));

        Assert.True(seen);
        Assert.Equal("P-AGENT/1 OK\n", Encoding.UTF8.GetString(output));
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(1, true)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    [InlineData(7, false)]
    public async Task A_marker_split_across_reads_is_still_found(int chunk, bool flushEachChunk)
    {
        var input = Bytes("noise" + RemoteBootstrap.Marker + "after the marker");
        var (seen, output) = await FilterAsync(input, chunk, flushEachChunk);

        Assert.True(seen);
        Assert.Equal("after the marker", Encoding.UTF8.GetString(output));
    }

    [Fact]
    public async Task Every_split_point_inside_the_marker_is_handled()
    {
        var noise = Bytes("noise");
        var marker = Bytes(RemoteBootstrap.Marker);
        for (var cut = 1; cut < marker.Length; cut++)
        {
            // A stream whose first read ends exactly `cut` bytes into the marker.
            byte[] input = [.. noise, .. marker, .. Bytes("tail")];
            var source = new SplitOnceStream(input, noise.Length + cut);
            var sink = new MemoryStream();

            var seen = await NoiseFilter.CopyAfterMarkerAsync(source, sink, CancellationToken.None);

            Assert.True(seen, $"marker missed when split after {cut} bytes");
            Assert.Equal("tail", Encoding.UTF8.GetString(sink.ToArray()));
        }
    }

    [Fact]
    public async Task Without_a_marker_it_returns_false_and_writes_nothing()
    {
        var (seen, output) = await FilterAsync(Bytes("P-AGENT-GO-1\nsh: 1: p-agent: not found\nP-AGENT-GO-2\n"), chunk: 4);

        Assert.False(seen);
        Assert.Empty(output);
    }

    [Fact]
    public async Task Empty_input_has_no_marker()
    {
        var (seen, output) = await FilterAsync([]);

        Assert.False(seen);
        Assert.Empty(output);
    }

    [Fact]
    public async Task A_second_marker_in_the_program_output_is_kept()
    {
        var (seen, output) = await FilterAsync(Bytes("noise" + RemoteBootstrap.Marker + "a" + RemoteBootstrap.Marker + "b"), chunk: 5);

        Assert.True(seen);
        Assert.Equal("a" + RemoteBootstrap.Marker + "b", Encoding.UTF8.GetString(output));
    }

    [Fact]
    public async Task Binary_output_after_the_marker_passes_byte_for_byte()
    {
        var payload = new byte[150_000];
        new Random(7).NextBytes(payload);
        for (var b = 0; b < 256; b++)
        {
            payload[b] = (byte)b;
        }

        var (seen, output) = await FilterAsync([.. Bytes("motd\n" + RemoteBootstrap.Marker), .. payload], chunk: 4096);

        Assert.True(seen);
        Assert.Equal(payload, output);
    }

    /// <summary>Returns the first <c>split</c> bytes in one read, then the rest in one more.</summary>
    private sealed class SplitOnceStream(byte[] data, int split) : Stream
    {
        private int position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var end = position < split ? split : data.Length;
            var n = Math.Min(count, end - position);
            data.AsSpan(position, n).CopyTo(buffer.AsSpan(offset));
            position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var end = position < split ? split : data.Length;
            var n = Math.Min(buffer.Length, end - position);
            data.AsSpan(position, n).CopyTo(buffer.Span);
            position += n;
            return ValueTask.FromResult(n);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
