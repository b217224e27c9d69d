using P.Cli;
using P.Core;

namespace P.Transport;

/// <summary>
/// Builds ssh argv for one worker. Every call shares one multiplexed
/// connection (ControlMaster), so only the first pays for the handshake.
/// </summary>
internal sealed class SshCommand(Connection connection, Paths paths, PContext context)
{
    // ssh appends a random suffix while binding, and sun_path holds 108 bytes.
    private const int MaxControlPath = 90;
    private const int ControlNameLength = 40; // %C: a SHA-1 in hex

    public IReadOnlyList<string> Build(string remoteCommand, bool terminal = false, bool batch = true)
    {
        var argv = new List<string> { "ssh" };
        if (context.GetEnv("P_SSH_CONFIG") is { Length: > 0 } config)
        {
            argv.AddRange(["-F", config]);
        }
        argv.AddRange(ControlOptions());
        argv.AddRange([
            "-o", "ConnectTimeout=10",
            "-o", "ServerAliveInterval=15",
            "-o", "ServerAliveCountMax=3",
            "-o", "LogLevel=ERROR",
            "-o", "ClearAllForwardings=yes",
            // A job must not reach the user's agent or display, whatever ~/.ssh/config says.
            "-o", "ForwardAgent=no",
            "-o", "ForwardX11=no",
        ]);
        if (batch)
        {
            argv.AddRange(["-o", "BatchMode=yes"]);
        }
        if (connection.Port is { } port)
        {
            argv.AddRange(["-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
        argv.Add(terminal ? "-t" : "-T");
        argv.AddRange(["--", connection.Destination, remoteCommand]);
        return argv;
    }

    private IEnumerable<string> ControlOptions()
    {
        var dir = paths.ControlDir;
        if (dir.Length + 1 + ControlNameLength > MaxControlPath)
        {
            return ["-o", "ControlMaster=no", "-o", "ControlPath=none"];
        }
        Store.PrivateFiles.EnsureDirectory(Path.GetDirectoryName(dir)!);
        Store.PrivateFiles.EnsureDirectory(dir);
        // ssh expands % in the path and splits an option's value on spaces
        // unless it is double-quoted (with \ and \" inside): any home must work.
        var path = dir.Replace("%", "%%", StringComparison.Ordinal).Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal) + "/%C";
        return ["-o", "ControlMaster=auto", "-o", "ControlPersist=10m", "-o", $"ControlPath=\"{path}\""];
    }
}
