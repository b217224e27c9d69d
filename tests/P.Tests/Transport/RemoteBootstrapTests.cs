using System.Text;
using P.Tests.Support;
using P.Transport;

namespace P.Tests.Transport;

/// <summary>
/// Plays sshd: the login shell gets RemoteBootstrap.Command as its -c string
/// and any payload on stdin, in some other directory.
/// </summary>
public sealed class RemoteBootstrapTests : IDisposable
{
    private static readonly byte[] MarkerBytes = Encoding.ASCII.GetBytes(RemoteBootstrap.Marker);

    private readonly TempDirectory root = new();
    private readonly string home;
    private readonly string elsewhere;

    public RemoteBootstrapTests()
    {
        home = root.Combine("home with space");
        elsewhere = root.Combine("elsewhere");
        Directory.CreateDirectory(home);
        Directory.CreateDirectory(elsewhere);
    }

    public void Dispose() => root.Dispose();

    public static TheoryData<string> LoginShells()
    {
        var data = new TheoryData<string> { "/bin/sh" };
        foreach (var name in (string[])["bash", "dash", "zsh", "fish", "tcsh"])
        {
            if (Exec.Find(name) is { } path)
            {
                data.Add(path);
            }
        }
        return data;
    }

    private Dictionary<string, string> Environment() => new()
    {
        ["HOME"] = home,
        ["XDG_CONFIG_HOME"] = Path.Combine(home, ".config"),
        ["XDG_DATA_HOME"] = Path.Combine(home, ".local", "share"),
        ["XDG_CACHE_HOME"] = Path.Combine(home, ".cache"),
    };

    private async Task<(byte[] Before, byte[] After)> LoginAsync(string shell, IReadOnlyList<string> argv, byte[]? payload = null, Dictionary<string, string>? env = null)
    {
        var result = await Exec.RunAsync([shell, "-c", RemoteBootstrap.Command(argv)], payload ?? [], elsewhere, env ?? Environment());
        Assert.True(result.ExitCode == 0, $"{shell} exited {result.ExitCode}: {result.Stderr}");
        var at = result.Stdout.AsSpan().IndexOf(MarkerBytes);
        Assert.True(at >= 0, $"no marker in the output of {shell}: {Encoding.UTF8.GetString(result.Stdout)}");
        return (result.Stdout[..at], result.Stdout[(at + MarkerBytes.Length)..]);
    }

    [Theory]
    [MemberData(nameof(LoginShells))]
    public async Task Tricky_words_reach_the_program_unchanged_whatever_the_login_shell(string shell)
    {
        var (before, after) = await LoginAsync(shell, ["printf", "%s\\0", .. TrickyWords.All]);

        Assert.Empty(before);
        Assert.Equal(TrickyWords.All, TrickyWords.SplitNul(after));
    }

    [Theory]
    [MemberData(nameof(LoginShells))]
    public async Task A_sh_c_program_runs_in_the_bootstraps_shell_with_its_words_unchanged(string shell)
    {
        // CMD sees the bootstrap's own variable c: it ran in that shell, no second sh was exec'd.
        var (_, after) = await LoginAsync(shell, ["sh", "-c", "printf '%s\\0' \"$@\"; printf 'set-u=%s\\0' \"${c:+kept}\"", "name", .. TrickyWords.All]);

        var words = TrickyWords.SplitNul(after);
        Assert.Equal(TrickyWords.All, words.Take(words.Count - 1));
        Assert.Equal("set-u=kept", words[^1]);
    }

    [Theory]
    [MemberData(nameof(LoginShells))]
    public async Task Stdin_reaches_the_program_byte_for_byte(string shell)
    {
        var payload = new byte[200_000];
        new Random(42).NextBytes(payload);
        for (var b = 0; b < 256; b++)
        {
            payload[b] = (byte)b;
            payload[^(b + 1)] = (byte)b;
        }

        var (_, after) = await LoginAsync(shell, ["cat"], payload);

        Assert.Equal(payload, after);
    }

    [Theory]
    [MemberData(nameof(LoginShells))]
    public async Task The_program_runs_in_the_home_directory(string shell)
    {
        var (_, after) = await LoginAsync(shell, ["pwd"]);

        Assert.Equal(home + "\n", Encoding.UTF8.GetString(after));
    }

    [Theory]
    [MemberData(nameof(LoginShells))]
    public async Task Greetings_printed_by_the_login_shell_stay_before_the_marker(string shell)
    {
        const string Greeting = "Welcome!\nP-AGENT-GO-\n";
        File.WriteAllText(Path.Combine(home, ".tcshrc"), $"printf '{Greeting.Replace("\n", "\\n", StringComparison.Ordinal)}'\n");
        Directory.CreateDirectory(Path.Combine(home, ".config", "fish"));
        File.WriteAllText(Path.Combine(home, ".config", "fish", "config.fish"), $"printf '{Greeting.Replace("\n", "\\n", StringComparison.Ordinal)}'\n");
        var bashEnv = Path.Combine(home, ".bash_env");
        File.WriteAllText(bashEnv, $"printf '{Greeting.Replace("\n", "\\n", StringComparison.Ordinal)}'\n");
        var env = Environment();
        env["BASH_ENV"] = bashEnv;

        var (before, after) = await LoginAsync(shell, ["printf", "%s\\0", "it's", "a\nb"], env: env);

        Assert.Equal(["it's", "a\nb"], TrickyWords.SplitNul(after));
        // dash reads no startup file for -c; the others print the greeting first.
        var expected = Path.GetFileName(shell) is "bash" or "fish" or "tcsh" ? Greeting : "";
        Assert.Equal(expected, Encoding.UTF8.GetString(before));
    }

    [Fact]
    public async Task A_program_that_is_not_installed_fails_after_the_marker()
    {
        var result = await Exec.RunAsync(["/bin/sh", "-c", RemoteBootstrap.Command(["p-no-such-program-anywhere"])], [], elsewhere, Environment());

        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal(RemoteBootstrap.Marker, Encoding.UTF8.GetString(result.Stdout));
    }

    [Fact]
    public void The_argv_travels_as_one_word_of_plain_characters_and_octal_escapes()
    {
        var command = RemoteBootstrap.Command(["echo", "ü", "-x"]);

        var word = command[(command.LastIndexOf(' ') + 1)..];
        Assert.Matches("^x[A-Za-z0-9_./,:%-]+$", word);
        Assert.Equal("x%047echo%047%040%047%303%274%047%040%047-x%047", word);
        Assert.Equal("'echo' 'ü' '-x'", RemoteBootstrap.TryDecode(word));
    }

    [Fact]
    public void An_argv_that_escapes_would_make_too_long_travels_as_base64()
    {
        var text = new string('"', 30 * 1024);
        var command = RemoteBootstrap.Command(["echo", text]);

        var word = command[(command.LastIndexOf(' ') + 1)..];
        Assert.Matches("^b[A-Za-z0-9+/]+=*$", word);
        Assert.Equal($"'echo' '{text}'", RemoteBootstrap.TryDecode(word));
    }

    [Theory]
    [MemberData(nameof(LoginShells))]
    public async Task Every_byte_reaches_the_program_in_either_encoding(string shell)
    {
        var every = Encoding.Latin1.GetString([.. Enumerable.Range(1, 255).Select(b => (byte)b)]);
        string[] escaped = ["printf", "%s\\0", "-leading", every, "%040", "\\0", "%", "x%"];
        string[] base64 = ["printf", "%s\\0", new string('$', 30 * 1024), every];
        Assert.StartsWith("x", RemoteBootstrap.Encode(escaped), StringComparison.Ordinal);
        Assert.StartsWith("b", RemoteBootstrap.Encode(base64), StringComparison.Ordinal);

        foreach (var argv in (string[][])[escaped, base64])
        {
            var (_, after) = await LoginAsync(shell, argv);
            Assert.Equal(argv.Skip(2), TrickyWords.SplitNul(after));
        }
    }

    [Fact]
    public void An_argv_too_long_for_one_argument_is_refused_with_a_hint()
    {
        var error = Assert.Throws<P.Cli.UserError>(() => RemoteBootstrap.Command(["echo", new string('x', 100 * 1024)]));

        Assert.Equal(2, error.ExitCode);
        Assert.Contains("put it in a script", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_command_has_nothing_fish_or_tcsh_would_reinterpret_inside_its_quotes()
    {
        var inner = RemoteBootstrap.Script;
        Assert.DoesNotContain('\'', inner);
        Assert.DoesNotContain('!', inner);
        Assert.DoesNotContain('\n', inner);
        Assert.DoesNotContain("\\\\", inner, StringComparison.Ordinal);
        Assert.StartsWith($"sh -c '{inner}' p ", RemoteBootstrap.Command(["true"]), StringComparison.Ordinal);
    }
}
