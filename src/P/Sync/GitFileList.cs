using System.Text;
using P.Processes;

namespace P.Sync;

/// <summary>
/// Inside a git work tree the files to send are git's own answer
/// (tracked + untracked-not-ignored, with negations, .git/info/exclude and the
/// global excludes file), plus .git itself: rsync's .gitignore filter differs
/// from git in many ways.
/// </summary>
internal sealed class GitFileList(IProcessLauncher processes, Func<string, string?> getEnv)
{
    // A tree handed to you may carry a .git/config whose core.fsmonitor is a
    // command: git runs it on ls-files. p's git runs nothing of the tree's.
    private static readonly string[] Safe = ["-c", "core.fsmonitor=false", "-c", "core.untrackedCache=false"];

    /// <returns>The NUL-separated list for rsync --files-from, or null outside a git work tree.</returns>
    public async Task<byte[]?> ListAsync(string directory, CancellationToken ct)
    {
        // One git call on the run's clock: the top of the work tree is where
        // .git is, unless the environment points git elsewhere.
        var steered = getEnv("GIT_DIR") is not null || getEnv("GIT_WORK_TREE") is not null;
        bool isRoot;
        if (steered)
        {
            if (await TopLevelAsync(directory, ct) is not { } top)
            {
                return null;
            }
            isRoot = Path.GetFullPath(top) == Path.GetFullPath(directory).TrimEnd('/');
        }
        else
        {
            isRoot = Path.Exists(Path.Combine(directory, ".git"));
        }
        (int, byte[], string) listed;
        try
        {
            listed = await processes.CaptureAsync(
                new ProcessSpec(["git", .. Safe, "-C", directory, "ls-files", "-z", "--cached", "--others", "--exclude-standard"]), null, ct);
        }
        catch (Cli.UserError)
        {
            return null; // no git on this machine: not a work tree we can list
        }
        var (code, files, err) = listed;
        if (code != 0)
        {
            // Not a work tree at all, or one git cannot list.
            return !steered && await TopLevelAsync(directory, ct) is null
                ? null
                : throw new Cli.UserError($"git ls-files failed in {directory}: {err.Trim()}");
        }
        return isRoot ? [.. files, .. ".git\0"u8] : files;
    }

    private async Task<string?> TopLevelAsync(string directory, CancellationToken ct)
    {
        try
        {
            var (code, top, _) = await processes.CaptureAsync(new ProcessSpec(["git", .. Safe, "-C", directory, "rev-parse", "--show-toplevel"]), null, ct);
            return code == 0 ? Encoding.UTF8.GetString(top).TrimEnd('\n') : null;
        }
        catch (Cli.UserError)
        {
            return null;
        }
    }
}
