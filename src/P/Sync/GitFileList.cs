using System.Text;
using P.Processes;

namespace P.Sync;

/// <summary>
/// Inside a git work tree the files to send are git's own answer
/// (tracked + untracked-not-ignored, with negations, .git/info/exclude and the
/// global excludes file), plus .git itself: rsync's .gitignore filter differs
/// from git in many ways.
/// </summary>
internal sealed class GitFileList(IProcessLauncher processes)
{
    // A tree handed to you may carry a .git/config whose core.fsmonitor is a
    // command: git runs it on ls-files. p's git runs nothing of the tree's.
    private static readonly string[] Safe = ["-c", "core.fsmonitor=false", "-c", "core.untrackedCache=false"];

    /// <returns>The NUL-separated list for rsync --files-from, or null outside a git work tree.</returns>
    public async Task<byte[]?> ListAsync(string directory, CancellationToken ct)
    {
        (int, byte[], string) top;
        try
        {
            top = await processes.CaptureAsync(new ProcessSpec(["git", .. Safe, "-C", directory, "rev-parse", "--show-toplevel"]), null, ct);
        }
        catch (Cli.UserError)
        {
            return null; // no git on this machine: not a work tree we can list
        }
        if (top.Item1 != 0)
        {
            return null;
        }
        var (code, files, err) = await processes.CaptureAsync(
            new ProcessSpec(["git", .. Safe, "-C", directory, "ls-files", "-z", "--cached", "--others", "--exclude-standard"]), null, ct);
        if (code != 0)
        {
            throw new Cli.UserError($"git ls-files failed in {directory}: {err.Trim()}");
        }
        var root = Encoding.UTF8.GetString(top.Item2).TrimEnd('\n');
        var isRoot = Path.GetFullPath(root) == Path.GetFullPath(directory).TrimEnd('/');
        return isRoot ? [.. files, .. ".git\0"u8] : files;
    }
}
