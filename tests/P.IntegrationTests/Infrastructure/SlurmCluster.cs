using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace P.IntegrationTests.Infrastructure;

/// <summary>
/// A real one-node Slurm cluster on 127.0.0.1, private to one test collection:
/// its own munge key and socket, its own slurm.conf (free ports, state and
/// spool under a temp dir), <c>munged</c>, <c>slurmctld</c> and <c>slurmd</c>
/// started here as root. The node has 2 CPUs and jobs are given whole CPUs, so
/// two jobs that each ask for both cannot run at once. Clients find the cluster
/// through <see cref="Environment"/> (SLURM_CONF), which a test gives its
/// worker's ssh sessions.
/// </summary>
public sealed class SlurmCluster : IAsyncLifetime
{
    public const string NodeName = "pnode";
    public const string Partition = "debug";
    public const int Cpus = 2;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(15);

    private static readonly string[] LogFiles = ["slurmctld.log", "slurmd.log", "munged.log"];

    private readonly List<Process> _daemons = [];
    private string? _stateDir;

    public string StateDir => _stateDir ?? throw new InvalidOperationException("the Slurm cluster is not started");

    public string ConfPath => Path.Combine(StateDir, "slurm.conf");

    private string MungeSocket => Path.Combine(StateDir, "munge.socket");

    /// <summary>What a worker's sessions need to reach this cluster.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { ["SLURM_CONF"] = ConfPath };

    public async Task InitializeAsync()
    {
        if (!System.Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException("the Slurm tests start slurmctld and slurmd, which needs root");
        }
        var munged = RequiredTools.Find("munged", "munge");
        var slurmctld = RequiredTools.Find("slurmctld", "slurm-wlm");
        var slurmd = RequiredTools.Find("slurmd", "slurm-wlm");
        _ = RequiredTools.Find("srun", "slurm-client");
        _stateDir = Directory.CreateTempSubdirectory("p-slurm-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(StateDir, "state"));
            Directory.CreateDirectory(Path.Combine(StateDir, "spool"));
            var key = Path.Combine(StateDir, "munge.key");
            File.WriteAllBytes(key, RandomNumberGenerator.GetBytes(1024));
            File.SetUnixFileMode(key, UnixFileMode.UserRead);
            Start(munged, "-F", "-f", $"--key-file={key}", $"--socket={MungeSocket}",
                $"--pid-file={Path.Combine(StateDir, "munged.pid")}", $"--log-file={Path.Combine(StateDir, "munged.log")}",
                $"--seed-file={Path.Combine(StateDir, "munged.seed")}");
            await WaitUntil(() => File.Exists(MungeSocket), "munged's socket");
            File.WriteAllText(ConfPath, Config(FreePort(), FreePort()));
            Start(slurmctld, "-D", "-f", ConfPath);
            Start(slurmd, "-D", "-f", ConfPath, "-N", NodeName);
            await WaitUntil(() => NodeState() == "idle", $"node {NodeName} to be idle");
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public Task DisposeAsync()
    {
        if (_stateDir is null)
        {
            return Task.CompletedTask;
        }
        // Jobs first, so that no slurmstepd outlives its slurmd.
        if (_daemons.Count == 3)
        {
            Client("scancel", "--full", "-u", System.Environment.UserName);
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < DrainTimeout && Client("squeue", "-h", "-t", "all").Stdout.Trim().Length > 0)
            {
                Thread.Sleep(100);
            }
        }
        foreach (var daemon in Enumerable.Reverse(_daemons))
        {
            try
            {
                daemon.Kill(entireProcessTree: true);
                daemon.WaitForExit(TimeSpan.FromSeconds(5));
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }
            daemon.Dispose();
        }
        _daemons.Clear();
        ProcessSweeper.KillProcessesUsing(StateDir);
        Directory.Delete(StateDir, recursive: true);
        _stateDir = null;
        return Task.CompletedTask;
    }

    /// <summary>Runs a Slurm client command (squeue, scancel, scontrol) against this cluster.</summary>
    public ProcessResult Client(string command, params string[] args) =>
        ProcessRunner.Run(RequiredTools.Find(command, "slurm-client"), args, ClientEnvironment(), StateDir, timeout: TimeSpan.FromSeconds(20));

    private Dictionary<string, string> ClientEnvironment()
    {
        var environment = System.Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
        environment["SLURM_CONF"] = ConfPath;
        return environment;
    }

    /// <summary>Slurm's ids of the jobs it lists (pending or running).</summary>
    public IReadOnlyList<string> QueuedJobIds() =>
        [.. Client("squeue", "-h", "-o", "%i").EnsureSuccess().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>Slurm's own view of a job (scontrol show job), "" once it has forgotten it.</summary>
    public string ShowJob(string slurmJobId) => Client("scontrol", "show", "job", slurmJobId).Stdout;

    public string Logs() => string.Concat(
        LogFiles
            .Select(name => Path.Combine(StateDir, name))
            .Where(File.Exists)
            .Select(path => $"--- {path} ---\n{File.ReadAllText(path)}\n"));

    private string NodeState() => Client("sinfo", "-h", "-n", NodeName, "-o", "%t").Stdout.Trim();

    private async Task WaitUntil(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            var dead = _daemons.FirstOrDefault(d => d.HasExited);
            if (dead is not null || clock.Elapsed > StartTimeout)
            {
                throw new InvalidOperationException(
                    $"the Slurm cluster did not start: no {what} after {clock.Elapsed.TotalSeconds:0} s"
                    + (dead is null ? "" : $" ({Path.GetFileName(dead.StartInfo.FileName)} exited {dead.ExitCode})") + "\n" + Logs());
            }
            await Task.Delay(100);
        }
    }

    private void Start(string fileName, params string[] args)
    {
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = StateDir,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["SLURM_CONF"] = ConfPath;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        process.StandardInput.Close();
        _ = new OutputCapture(process.StandardOutput);
        _ = new OutputCapture(process.StandardError);
        _daemons.Add(process);
    }

    // slurmd must know the node by this machine's host name.
    private static string HostName() => File.ReadAllText("/proc/sys/kernel/hostname").Trim();

    private string Config(int controllerPort, int nodePort) => $"""
        ClusterName=p-e2e
        SlurmctldHost=localhost(127.0.0.1)
        SlurmUser=root
        SlurmdUser=root
        SlurmctldPort={controllerPort}
        SlurmdPort={nodePort}
        AuthType=auth/munge
        CredType=cred/munge
        AuthInfo=socket={MungeSocket}
        StateSaveLocation={Path.Combine(StateDir, "state")}
        SlurmdSpoolDir={Path.Combine(StateDir, "spool")}
        SlurmctldPidFile={Path.Combine(StateDir, "slurmctld.pid")}
        SlurmdPidFile={Path.Combine(StateDir, "slurmd.pid")}
        SlurmctldLogFile={Path.Combine(StateDir, "slurmctld.log")}
        SlurmdLogFile={Path.Combine(StateDir, "slurmd.log")}
        # No cgroups in a test container: processes are tracked by parentage.
        ProctrackType=proctrack/linuxproc
        TaskPlugin=task/none
        MpiDefault=none
        ReturnToService=2
        SchedulerType=sched/backfill
        # Whole CPUs are the resource: two jobs asking for both CPUs queue.
        SelectType=select/cons_tres
        SelectTypeParameters=CR_CPU
        AccountingStorageType=accounting_storage/none
        JobCompType=jobcomp/none
        JobAcctGatherType=jobacct_gather/none
        InactiveLimit=0
        KillWait=5
        MinJobAge=10
        NodeName={NodeName} NodeAddr=127.0.0.1 NodeHostname={HostName()} CPUs={Cpus} RealMemory=1000 State=UNKNOWN
        PartitionName={Partition} Nodes={NodeName} Default=YES MaxTime=INFINITE State=UP

        """;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
