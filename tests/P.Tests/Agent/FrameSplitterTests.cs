using System.Text;
using P.Agent;

namespace P.Tests.Agent;

public sealed class FrameSplitterTests
{
    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task The_first_line_is_the_frame_and_the_rest_passes_through()
    {
        var inner = new MemoryStream();
        var splitter = new FrameSplitter(inner);

        await splitter.WriteAsync(Bytes("P-AGENT/1 OK\nlog line 1\nlog line 2\n"));

        Assert.Equal("P-AGENT/1 OK", splitter.Frame);
        Assert.Equal("log line 1\nlog line 2\n", Encoding.UTF8.GetString(inner.ToArray()));
    }

    [Fact]
    public async Task A_newline_in_a_later_write_completes_the_frame()
    {
        var inner = new MemoryStream();
        var splitter = new FrameSplitter(inner);

        await splitter.WriteAsync(Bytes("P-AGENT"));
        Assert.Null(splitter.Frame);
        Assert.Empty(inner.ToArray());

        await splitter.WriteAsync(Bytes("/1 ERR no such"));
        Assert.Null(splitter.Frame);

        await splitter.WriteAsync(Bytes(" job\nrest"));
        Assert.Equal("P-AGENT/1 ERR no such job", splitter.Frame);
        Assert.Equal("rest", Encoding.UTF8.GetString(inner.ToArray()));
    }

    [Fact]
    public void A_frame_written_one_byte_at_a_time_is_assembled_by_sync_writes()
    {
        var inner = new MemoryStream();
        var splitter = new FrameSplitter(inner);

        foreach (var b in Bytes("P-AGENT/1 OK\nab"))
        {
            splitter.Write([b], 0, 1);
        }

        Assert.Equal("P-AGENT/1 OK", splitter.Frame);
        Assert.Equal("ab", Encoding.UTF8.GetString(inner.ToArray()));
    }

    [Fact]
    public async Task Later_newlines_and_binary_bytes_are_not_touched()
    {
        var inner = new MemoryStream();
        var splitter = new FrameSplitter(inner);
        var payload = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

        await splitter.WriteAsync(Bytes("P-AGENT/1 OK\n"));
        await splitter.WriteAsync(payload);
        await splitter.WriteAsync(Bytes("\n\n"));

        Assert.Equal("P-AGENT/1 OK", splitter.Frame);
        Assert.Equal([.. payload, .. Bytes("\n\n")], inner.ToArray());
    }

    [Fact]
    public async Task Without_a_newline_there_is_no_frame_and_nothing_passes()
    {
        var inner = new MemoryStream();
        var splitter = new FrameSplitter(inner);

        await splitter.WriteAsync(Bytes("sh: p-agent: not found"));

        Assert.Null(splitter.Frame);
        Assert.Empty(inner.ToArray());
    }
}
