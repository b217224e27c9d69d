using System.Text;
using P.Agent;

namespace P.Tests.Agent;

public sealed class LogSentinelTests
{
    private static readonly Guid Id = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    private static byte[] Marker(Guid id) => Encoding.ASCII.GetBytes($"\u001b]7777;p-end-{id:D}\u0007");

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Through(params byte[][] writes)
    {
        var inner = new MemoryStream();
        var filter = new LogSentinel(inner, Id);
        foreach (var write in writes)
        {
            filter.Write(write);
        }
        filter.Complete();
        return inner.ToArray();
    }

    [Fact]
    public void The_marker_at_the_end_of_the_log_is_removed()
    {
        Assert.Equal(Bytes("build ok\n"), LogSentinel.Strip([.. Bytes("build ok\n"), .. Marker(Id)], Id));
    }

    [Fact]
    public void A_marker_split_across_two_writes_is_removed_at_every_split_point()
    {
        byte[] log = [.. Bytes("line 1\nline 2\n"), .. Marker(Id)];
        for (var cut = 0; cut <= log.Length; cut++)
        {
            var output = Through(log[..cut], log[cut..]);
            Assert.True(Bytes("line 1\nline 2\n").SequenceEqual(output), $"split at {cut}: {Encoding.UTF8.GetString(output)}");
        }
    }

    [Fact]
    public void A_marker_written_one_byte_at_a_time_is_removed()
    {
        byte[] log = [.. Bytes("x"), .. Marker(Id)];

        Assert.Equal(Bytes("x"), Through([.. log.Select(b => new[] { b })]));
    }

    [Fact]
    public void Output_after_the_marker_is_kept()
    {
        Assert.Equal(Bytes("before after"), LogSentinel.Strip([.. Bytes("before "), .. Marker(Id), .. Bytes("after")], Id));
    }

    [Fact]
    public void Every_byte_value_passes_through_unchanged()
    {
        var data = new byte[256 * 4];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (byte)i;
        }

        Assert.Equal(data, Through(data[..300], data[300..301], data[301..]));
    }

    [Fact]
    public void Another_jobs_marker_and_other_escape_sequences_pass_through()
    {
        byte[] log = [.. Bytes("\u001b]0;title\u0007\u001b[31mred\u001b[0m"), .. Marker(Guid.NewGuid()), .. Bytes("\u001b]7777;p-end-")];

        Assert.Equal(log, LogSentinel.Strip(log, Id));
    }

    [Fact]
    public void Output_that_cannot_start_a_marker_is_not_held_back()
    {
        var inner = new MemoryStream();
        var filter = new LogSentinel(inner, Id);

        filter.Write(Bytes("abc"));

        Assert.Equal(Bytes("abc"), inner.ToArray());
    }

    [Fact]
    public void Only_a_possible_marker_prefix_is_held_back_until_more_arrives()
    {
        var inner = new MemoryStream();
        var filter = new LogSentinel(inner, Id);

        filter.Write(Bytes("abc\u001b]7777;"));
        Assert.Equal(Bytes("abc"), inner.ToArray());

        filter.Write(Bytes("not the end"));
        Assert.Equal(Bytes("abc\u001b]7777;not the end"), inner.ToArray());
    }

    [Fact]
    public void A_held_back_prefix_is_written_out_on_complete()
    {
        var inner = new MemoryStream();
        var filter = new LogSentinel(inner, Id);

        filter.Write(Bytes("tail\u001b]77"));
        filter.Complete();

        Assert.Equal(Bytes("tail\u001b]77"), inner.ToArray());
    }

    [Fact]
    public async Task Async_writes_strip_the_marker_too()
    {
        var inner = new MemoryStream();
        var filter = new LogSentinel(inner, Id);
        byte[] log = [.. Bytes("async\n"), .. Marker(Id)];

        await filter.WriteAsync(log.AsMemory(0, 10));
        await filter.WriteAsync(log.AsMemory(10));
        filter.Complete();

        Assert.Equal(Bytes("async\n"), inner.ToArray());
    }
}
