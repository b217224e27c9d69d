// The link bench/run.sh measures on: a TCP relay on 127.0.0.1 that delays
// every chunk in each direction by a fixed time and counts the bytes it carries.
//
//   dotnet run bench/relay.cs -- <listen-port> <target-host> <target-port> <delay-ms> <counter-file>
//
// Each connection accepted on 127.0.0.1:<listen-port> is forwarded to
// <target-host>:<target-port>, which must be this machine (127.0.0.1 or
// localhost). A chunk read at time t is written at t + delay: order is kept
// but chunks do not wait for each other, so throughput is not one chunk per
// delay (at most 1024 chunks, 64 MiB, are in flight per direction, a
// window). A shutdown (FIN) is delayed like data. A new connection reaches the
// target 3 delays after the client connected, as a TCP handshake over the link
// would (SYN, SYN-ACK, ACK): what the client sent meanwhile waits for it.
//
// The counter file holds the totals carried so far, "up N\ndown M\n" (up:
// client to target), rewritten atomically (write and rename) after each chunk
// (a burst of chunks coalesces into one rewrite); it first appears once the
// relay listens, so it doubles as a readiness signal. The relay runs until
// SIGTERM or SIGINT or, when its stdin is an anonymous pipe (`cmd | relay`,
// `exec 9> >(relay)`), until the other end of that pipe closes: a parent that
// dies without cleaning up takes the relay with it.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

if (args.Length != 5
    || !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var listenPort) || listenPort > 65535
    || !int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out var targetPort) || targetPort is 0 or > 65535
    || !int.TryParse(args[3], NumberStyles.None, CultureInfo.InvariantCulture, out var delayMs))
{
    Console.Error.WriteLine("usage: dotnet run bench/relay.cs -- <listen-port> <target-host> <target-port> <delay-ms> <counter-file>");
    return 2;
}
if (args[1] is not ("127.0.0.1" or "localhost"))
{
    Console.Error.WriteLine($"relay: the target must be 127.0.0.1 (or localhost), not {args[1]}");
    return 2;
}

var delay = TimeSpan.FromMilliseconds(delayMs);
var target = new IPEndPoint(IPAddress.Loopback, targetPort);
var counters = new Counters(Path.GetFullPath(args[4]));

using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.Bind(new IPEndPoint(IPAddress.Loopback, listenPort));
listener.Listen(128);
counters.Write();
_ = counters.FlushLoopAsync();

if (IsPipe("/proc/self/fd/0"))
{
    _ = Task.Run(() =>
    {
        Console.OpenStandardInput().CopyTo(Stream.Null);
        Environment.Exit(0);
    });
}

while (true)
{
    var client = listener.Accept();
    new Thread(() => Connection.Run(client, target, delay, counters)) { IsBackground = true }.Start();
}

static bool IsPipe(string fd)
{
    try
    {
        return new FileInfo(fd).LinkTarget?.StartsWith("pipe:", StringComparison.Ordinal) == true;
    }
    catch (IOException)
    {
        return false;
    }
}

/// <summary>
/// One relayed connection: in each direction a thread reads chunks and one writes
/// each chunk when it is due, sleeping (not spinning, but for the last millisecond)
/// until then.
/// </summary>
static class Connection
{
    public static void Run(Socket client, IPEndPoint target, TimeSpan delay, Counters counters)
    {
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        using var cts = new CancellationTokenSource();
        using var closeOnAbort = cts.Token.Register(() =>
        {
            client.Dispose();
            upstream.Dispose();
        });
        var connected = new ManualResetEventSlim();
        var up = Pump(client, upstream, delay, counters.AddUp, connected, cts);
        var down = new Thread(() =>
        {
            if (Connect(upstream, target, delay * 3, cts))
            {
                connected.Set();
                Pump(upstream, client, delay, counters.AddDown, connected, cts).ForEach(t => t.Join());
            }
        })
        { IsBackground = true };
        down.Start();
        up.ForEach(t => t.Join());
        down.Join();
        client.Dispose();
        upstream.Dispose();
        connected.Dispose();
    }

    static bool Connect(Socket upstream, IPEndPoint target, TimeSpan handshake, CancellationTokenSource cts)
    {
        try
        {
            Thread.Sleep(handshake);
            upstream.Connect(target);
            return true;
        }
        catch (SocketException)
        {
            Abort(cts);
            return false;
        }
    }

    /// <summary>
    /// Starts the threads that read chunks from <paramref name="from"/> and write each to
    /// <paramref name="to"/> <paramref name="delay"/> after it was read, once <paramref name="ready"/>.
    /// </summary>
    static List<Thread> Pump(Socket from, Socket to, TimeSpan delay, Action<int> count, ManualResetEventSlim ready, CancellationTokenSource cts)
    {
        var queue = new BlockingCollection<(long Due, byte[] Data)>(1024);
        var reader = new Thread(() => Read(from, queue, delay, cts)) { IsBackground = true };
        var writer = new Thread(() => Write(to, queue, ready, count, cts)) { IsBackground = true };
        reader.Start();
        writer.Start();
        return [reader, writer];
    }

    static void Read(Socket from, BlockingCollection<(long Due, byte[] Data)> queue, TimeSpan delay, CancellationTokenSource cts)
    {
        var ticks = (long)(delay.TotalSeconds * Stopwatch.Frequency);
        var buffer = new byte[64 * 1024];
        try
        {
            int n;
            do
            {
                n = from.Receive(buffer);
                queue.Add((Stopwatch.GetTimestamp() + ticks, buffer[..n]), cts.Token);
            }
            while (n > 0);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            Abort(cts);
        }
        queue.CompleteAdding();
    }

    static void Write(Socket to, BlockingCollection<(long Due, byte[] Data)> queue, ManualResetEventSlim ready, Action<int> count, CancellationTokenSource cts)
    {
        try
        {
            foreach (var (due, data) in queue.GetConsumingEnumerable(cts.Token))
            {
                WaitUntil(due, cts.Token);
                ready.Wait(cts.Token);
                if (data.Length == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                for (var sent = 0; sent < data.Length;)
                {
                    sent += to.Send(data, sent, data.Length - sent, SocketFlags.None);
                }
                count(data.Length);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            Abort(cts);
        }
    }

    static void WaitUntil(long due, CancellationToken ct)
    {
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (left <= TimeSpan.Zero)
            {
                return;
            }
            if (left >= TimeSpan.FromMilliseconds(1))
            {
                Thread.Sleep((int)left.TotalMilliseconds);
            }
            else
            {
                Thread.Yield();
            }
        }
    }

    /// <summary>Ends the whole connection: a reset or an error on either side.</summary>
    static void Abort(CancellationTokenSource cts)
    {
        try
        {
            cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}

/// <summary>Byte totals per direction, mirrored into the counter file.</summary>
sealed class Counters(string path)
{
    long _up;
    long _down;
    readonly Channel<bool> _dirty = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void AddUp(int n)
    {
        Interlocked.Add(ref _up, n);
        _dirty.Writer.TryWrite(true);
    }

    public void AddDown(int n)
    {
        Interlocked.Add(ref _down, n);
        _dirty.Writer.TryWrite(true);
    }

    /// <summary>Rewrites the file whenever a count changed; bursts of chunks coalesce into one write.</summary>
    public async Task FlushLoopAsync()
    {
        await foreach (var _ in _dirty.Reader.ReadAllAsync())
        {
            Write();
        }
    }

    public void Write()
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, $"up {Interlocked.Read(ref _up)}\ndown {Interlocked.Read(ref _down)}\n");
        File.Move(tmp, path, overwrite: true);
    }
}
