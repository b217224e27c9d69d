using System.Text;
using P.Store;

namespace P.Sync;

/// <summary>
/// The manifest each worker's mirror of each client directory was last
/// brought to: &lt;data&gt;/p/sync/&lt;worker&gt;/&lt;key&gt;, private, written
/// atomically, and only once the worker has taken the change.
/// </summary>
internal sealed class ManifestStore(string dir)
{
    /// <summary>The manifest as it was saved (cheap to compare with a new one), or null.</summary>
    public byte[]? LoadBytes(string worker, string key)
    {
        try
        {
            return File.ReadAllBytes(PathOf(worker, key));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // None yet, or unreadable: the next sync is a full rsync, which is always right.
            return null;
        }
    }

    public void Save(string worker, string key, Manifest manifest)
    {
        var path = PathOf(worker, key);
        PrivateFiles.EnsureDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllText(path, Encoding.UTF8.GetString(manifest.Bytes));
    }

    private string PathOf(string worker, string key) => Path.Combine(dir, worker, key);
}
