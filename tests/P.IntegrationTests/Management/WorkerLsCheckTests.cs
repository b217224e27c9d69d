using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.Management;

/// <summary>`p worker ls --check`: probes in parallel, each bounded by --timeout.</summary>
[Collection(ManagementWorkersCollection.Name)]
public sealed partial class WorkerLsCheckTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task Check_reports_the_reachable_worker_with_its_agent_and_the_stuck_one_within_the_timeout()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();
        using var stuck = new SilentServer();
        (await world.P(world.ClientHome, "worker", "register", $"nobody@127.0.0.1:{stuck.Port}", "-n", "stuck")).AssertExit(0);

        foreach (var flag in new[] { "--check", "-c" })
        {
            var clock = Stopwatch.StartNew();
            var check = await world.P(world.ClientHome, ["worker", "ls", flag, "--timeout", "2"], TimeSpan.FromSeconds(30));
            clock.Stop();

            check.AssertExit(0);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"p worker ls {flag} --timeout 2 took {clock.Elapsed}\n{check}");
            var lines = check.Stdout.Split('\n');
            var good = Assert.Single(lines, l => l.StartsWith("w1 ", StringComparison.Ordinal));
            Assert.Matches(ReachableWithVersion(), good);
            var bad = Assert.Single(lines, l => l.StartsWith("stuck ", StringComparison.Ordinal));
            Assert.Contains("unreachable", bad, StringComparison.Ordinal);
        }
        Assert.True(stuck.Accepted > 0, "ssh never connected to the stuck worker");
    }

    // "reachable", then the agent version: POSIX cksum and size of the script.
    [GeneratedRegex(@"\sreachable\s+\d+\.\d+(\s|$)")]
    private static partial Regex ReachableWithVersion();

    /// <summary>Accepts TCP connections and never sends a byte: an ssh server that hangs before its banner.</summary>
    private sealed class SilentServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<TcpClient> _clients = [];
        private readonly CancellationTokenSource _stop = new();
        private int _accepted;

        public SilentServer()
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = Task.Run(AcceptAsync);
        }

        public int Port { get; }

        public int Accepted => Volatile.Read(ref _accepted);

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_clients)
            {
                _clients.ForEach(c => c.Dispose());
            }
            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    lock (_clients)
                    {
                        _clients.Add(client);
                    }
                    Interlocked.Increment(ref _accepted);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }
    }
}
