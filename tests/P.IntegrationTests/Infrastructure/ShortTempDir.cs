using System.Security.Cryptography;

namespace P.IntegrationTests.Infrastructure;

/// <summary>
/// Private directories with short paths. tmux sockets (about 100 bytes of
/// sun_path) and ssh ControlPaths (90 bytes) live below them, so they go
/// straight under /tmp even when TMPDIR points somewhere long.
/// </summary>
internal static class ShortTempDir
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    public static string Create()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var path = "/tmp/pt-" + RandomNumberGenerator.GetString(Alphabet, 6);
            if (!Directory.Exists(path) && !File.Exists(path))
            {
                Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                return path;
            }
        }
        throw new IOException("could not find a free /tmp/pt-XXXXXX name");
    }
}
