using System.Text;
using P.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace P.IntegrationTests.RunFlow;

/// <summary>
/// A property of the sync, whatever path it takes (the start call's delta, a
/// repaired mirror, rsync): each job's work dir is exactly what a full rsync
/// of the client's file list gives (git's tracked and untracked-not-ignored
/// files, their parent directories, and .git), by type, content, symlink
/// target and mode; and no job sees another's writes. Random trees, random
/// edits, from a seed printed on failure (P_SYNC_SEED=n replays one).
/// </summary>
[Collection(MirrorSyncCollection.Name)]
public sealed class SyncPropertyTests(SshdFixture sshd, ITestOutputHelper output)
{
    private const int Steps = 14;

    [Fact]
    public async Task Every_job_sees_exactly_the_clients_file_list_after_random_edits()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("P_SYNC_SEED"), out var s) ? s : 20261203;
        var random = new Random(seed);
        using var world = sshd.CreateWorld(output);
        var worker = await world.RegisteredWorker();
        var tree = new RandomTree(world.CreateClientDir("prop"), random);
        tree.Create();
        var log = new List<string>();

        for (var step = 0; step < Steps; step++)
        {
            for (var e = 0; e < 3; e++)
            {
                log.Add(tree.Edit());
            }
            var writer = step % 4 == 3;
            var command = writer
                ? "echo x > written-by-job; for f in *; do if [ -f \"$f\" ] && [ ! -L \"$f\" ]; then echo y >> \"$f\"; break; fi; done"
                : "true";
            var run = await world.P(tree.Root, "--", "sh", "-c", command);
            Assert.True(run.ExitCode == 0, $"seed {seed}, step {step}: {run}");
            var id = world.Jobs().OrderBy(j => j.GetProperty("started_at").GetString(), StringComparer.Ordinal).Last().GetProperty("id").GetString()!;
            var workDir = worker.PathInHome(Path.Combine(".p", "workdirs", id));
            if (writer)
            {
                // The job's own writes stay in its own dir: the next step's job is compared with the client.
                Assert.True(File.Exists(Path.Combine(workDir, "written-by-job")), $"seed {seed}, step {step}: the writer's file is missing");
                continue;
            }
            var expected = Snapshot.Of(tree.Root, tree.FileList());
            var actual = Snapshot.Of(workDir, null);
            var diff = Snapshot.Diff(expected, actual);
            Assert.True(diff.Count == 0,
                $"seed {seed} (P_SYNC_SEED={seed} replays it), step {step}, work dir {workDir}:\n  {string.Join("\n  ", diff.Take(10))}\nedits so far:\n  {string.Join("\n  ", log)}");
        }
    }

    /// <summary>A git project that changes in every way a sync must follow.</summary>
    private sealed class RandomTree(string root, Random random)
    {
        private int next;

        public string Root => root;

        public void Create()
        {
            Git("init", "-q");
            File.WriteAllText(Path.Combine(root, ".gitignore"), "*.log\nignored/\n");
            for (var i = 0; i < 40; i++)
            {
                WriteFile(NewPath(), RandomBytes(random.Next(0, 2000)));
            }
            Git("add", "-A");
            Git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "start");
        }

        public byte[] FileList() =>
            Encoding.UTF8.GetBytes(ProcessRunner.Run("git", ["-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"]).EnsureSuccess().Stdout + ".git\0");

        public string Edit()
        {
            var files = Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
                .Where(f => !f.Contains("/.git/", StringComparison.Ordinal) && !f.EndsWith(".gitignore", StringComparison.Ordinal))
                .Where(f => new FileInfo(f).LinkTarget is null)
                .ToList();
            var file = files.Count > 0 ? files[random.Next(files.Count)] : null;
            switch (random.Next(12))
            {
                case 0:
                    var added = NewPath();
                    WriteFile(added, RandomBytes(random.Next(0, 3000)));
                    return $"add {Rel(added)}";
                case 1 when file is not null:
                    File.Delete(file);
                    return $"delete {Rel(file)}";
                case 2 when file is not null && new FileInfo(file).Length > 0:
                    var mtime = File.GetLastWriteTimeUtc(file);
                    var bytes = File.ReadAllBytes(file);
                    bytes[random.Next(bytes.Length)] ^= 0x5a;
                    File.WriteAllBytes(file, bytes);
                    File.SetLastWriteTimeUtc(file, mtime);
                    return $"modify keeping size and mtime {Rel(file)}";
                case 3 when file is not null:
                    File.AppendAllText(file, "more\n");
                    return $"append {Rel(file)}";
                case 4 when file is not null:
                    var mode = new[] { 0b110_100_100, 0b111_101_101, 0b110_000_000 }[random.Next(3)];
                    File.SetUnixFileMode(file, (UnixFileMode)mode);
                    return $"chmod {Convert.ToString(mode, 8)} {Rel(file)}";
                case 5 when file is not null:
                    var renamed = Ready(NewPath());
                    File.Move(file, renamed);
                    return $"rename {Rel(file)} -> {Rel(renamed)}";
                case 6 when file is not null:
                    var link = Ready(NewPath());
                    File.CreateSymbolicLink(link, Path.GetRelativePath(Path.GetDirectoryName(link)!, random.Next(3) == 0 ? file + ".gone" : file));
                    return $"symlink {Rel(link)}";
                case 7:
                    var dir = NewPath();
                    Directory.CreateDirectory(dir);
                    if (random.Next(2) == 0)
                    {
                        var toDir = Ready(NewPath());
                        File.CreateSymbolicLink(toDir, Path.GetRelativePath(Path.GetDirectoryName(toDir)!, dir));
                    }
                    return $"empty dir {Rel(dir)}";
                case 8 when file is not null:
                    File.Delete(file);
                    WriteFile(Path.Combine(file, "inner.txt"), RandomBytes(50));
                    return $"file -> dir {Rel(file)}";
                case 9:
                    var dirs = Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories)
                        .Where(d => !d.Contains("/.git", StringComparison.Ordinal) && new DirectoryInfo(d).LinkTarget is null).ToList();
                    if (dirs.Count == 0)
                    {
                        return "nothing";
                    }
                    var gone = dirs[random.Next(dirs.Count)];
                    Directory.Delete(gone, recursive: true);
                    WriteFile(gone, RandomBytes(30));
                    return $"dir -> file {Rel(gone)}";
                case 10:
                    if (File.Exists(Path.Combine(root, "ignored")) || new FileInfo(Path.Combine(root, "ignored")).LinkTarget is not null)
                    {
                        File.Delete(Path.Combine(root, "ignored"));
                    }
                    WriteFile(Path.Combine(root, "ignored", $"i{next++}.txt"), RandomBytes(20));
                    WriteFile(Path.Combine(root, $"n{next++}.log"), RandomBytes(20));
                    if (random.Next(2) == 0)
                    {
                        File.WriteAllText(Path.Combine(root, ".gitignore"), "*.log\n");
                        return "ignored/ becomes tracked";
                    }
                    return "ignored files added";
                default:
                    Git("add", "-A");
                    Git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "step");
                    return "git commit";
            }
        }

        private string NewPath()
        {
            var parts = new List<string>();
            for (var depth = random.Next(3); depth > 0; depth--)
            {
                parts.Add($"d{random.Next(4)}");
            }
            parts.Add($"f{next++}{(random.Next(4) == 0 ? ".sh" : ".txt")}");
            var path = Path.Combine([root, .. parts]);
            // A parent that is a file or a symlink cannot hold it: put it at the top.
            for (var at = Path.GetDirectoryName(path)!; at != root; at = Path.GetDirectoryName(at)!)
            {
                if (File.Exists(at) || new FileInfo(at).LinkTarget is not null)
                {
                    return Path.Combine(root, parts[^1]);
                }
            }
            return path;
        }

        private static string Ready(string path)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            return path;
        }

        private static void WriteFile(string path, byte[] content)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, content);
        }

        private byte[] RandomBytes(int n)
        {
            var bytes = new byte[n];
            random.NextBytes(bytes);
            return bytes;
        }

        private string Rel(string path) => Path.GetRelativePath(root, path);

        private void Git(params string[] args) => ProcessRunner.Run("git", ["-C", root, .. args]).EnsureSuccess();
    }

    /// <summary>Path → "type mode content-or-target", as rsync -a would reproduce it.</summary>
    private static class Snapshot
    {
        public static Dictionary<string, string> Of(string root, byte[]? listed)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (listed is null)
            {
                foreach (var full in Walk(root))
                {
                    result[Path.GetRelativePath(root, full)] = Describe(full);
                }
                return result;
            }
            foreach (var path in Encoding.UTF8.GetString(listed).Split('\0', StringSplitOptions.RemoveEmptyEntries))
            {
                var full = Path.Combine(root, path);
                if (!Path.Exists(full) && new FileInfo(full).LinkTarget is null)
                {
                    continue; // listed by git but gone: rsync --ignore-missing-args skips it
                }
                for (var parent = Path.GetDirectoryName(path); !string.IsNullOrEmpty(parent); parent = Path.GetDirectoryName(parent))
                {
                    result[parent] = Describe(Path.Combine(root, parent));
                }
                result[path] = Describe(full);
                if (new DirectoryInfo(full) is { Exists: true, LinkTarget: null })
                {
                    foreach (var inner in Walk(full))
                    {
                        result[Path.GetRelativePath(root, inner)] = Describe(inner);
                    }
                }
            }
            return result;
        }

        // Every entry under dir, not descending into symlinked directories (as rsync -r does not).
        private static IEnumerable<string> Walk(string dir)
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(dir, "*", new EnumerationOptions { AttributesToSkip = 0 }))
            {
                yield return entry;
                if (new DirectoryInfo(entry) is { Exists: true, LinkTarget: null })
                {
                    foreach (var inner in Walk(entry))
                    {
                        yield return inner;
                    }
                }
            }
        }

        public static List<string> Diff(Dictionary<string, string> expected, Dictionary<string, string> actual) =>
            [.. expected.Where(e => !actual.TryGetValue(e.Key, out var a) || a != e.Value)
                    .Select(e => $"{e.Key}: expected {e.Value}, got {(actual.TryGetValue(e.Key, out var a) ? a : "nothing")}"),
             .. actual.Keys.Where(k => !expected.ContainsKey(k)).Select(k => $"{k}: not on the client, but in the work dir ({actual[k]})")];

        private static string Describe(string full)
        {
            var info = new FileInfo(full);
            if (info.LinkTarget is { } target)
            {
                return $"symlink -> {target}";
            }
            var mode = Convert.ToString((int)File.GetUnixFileMode(full), 8);
            return Directory.Exists(full)
                ? $"dir {mode}"
                : $"file {mode} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(full)))[..16]}";
        }
    }
}
