using System.Diagnostics;

namespace P.Processes;

/// <summary>
/// A process as it can be recognised later: a pid alone is not enough, as
/// pids are reused (after a reboot, or once pid_max wraps) and a home shared
/// by two machines holds pids of both. So: the host, the boot, the pid, and
/// the process's start time (/proc/&lt;pid&gt;/stat, field 22).
/// </summary>
internal sealed record ProcessIdentity(string Host, string? Boot, int Pid, string? StartTime)
{
    public static ProcessIdentity Current() =>
        new(Environment.MachineName, BootId(), Environment.ProcessId, StartTimeOf(Environment.ProcessId));

    /// <summary>
    /// True while that very process runs; false once it is gone (or its pid
    /// went to another); null when this machine cannot tell (another host).
    /// </summary>
    public bool? IsAlive()
    {
        if (Host != Environment.MachineName)
        {
            return null;
        }
        if (Boot is not null && BootId() is { } boot && boot != Boot)
        {
            return false;
        }
        if (StartTime is not null && StartTimeOf(Pid) is { } start)
        {
            return start == StartTime;
        }
        try
        {
            using var process = Process.GetProcessById(Pid);
            return !process.HasExited && StartTime is null;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string? BootId() => ReadProc("/proc/sys/kernel/random/boot_id")?.Trim();

    // Field 22 of /proc/<pid>/stat, after the command name (which may hold spaces and parentheses).
    private static string? StartTimeOf(int pid) =>
        ReadProc($"/proc/{pid}/stat") is { } stat && stat.LastIndexOf(')') is var end and > 0
            && stat[(end + 2)..].Split(' ') is { Length: > 19 } fields
            ? fields[19]
            : null;

    private static string? ReadProc(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
