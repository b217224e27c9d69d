using System.Text.RegularExpressions;
using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.Management;

/// <summary>
/// `p completion bash|zsh` loaded into the real shells, completing against the
/// real p binary and a local world: what a user gets on TAB.
/// </summary>
public sealed partial class CompletionTests(ITestOutputHelper output)
{
    private static readonly string[] Verbs = ["ls", "attach", "logs", "stop", "pull", "rm", "wait", "worker", "completion"];
    private static readonly string[] WorkerNames = ["local", "beefy"];

    // Every command whose options the scripts must offer on `-<TAB>`, as its --help lists them.
    private static readonly string[][] Commands =
    [
        [], ["ls"], ["attach"], ["logs"], ["stop"], ["pull"], ["rm"], ["completion"],
        ["worker"], ["worker", "register"], ["worker", "ls"], ["worker", "rm"], ["worker", "default"],
    ];

    // Sources the script, splits the line at spaces into COMP_WORDS as bash
    // would for these simple lines, calls the completion function and prints
    // COMPREPLY, one word per line.
    private const string BashDriver = """
        source "$1" || exit 3
        [[ $(complete -p p) == "complete -F _p p" ]] || exit 4
        line=$2
        read -ra COMP_WORDS <<<"$line"
        [[ -z $line || $line == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        COMP_LINE=$line
        COMP_POINT=${#line}
        _p
        (( ${#COMPREPLY[@]} == 0 )) || printf '%s\n' "${COMPREPLY[@]}"
        """;

    // Types each line and a TAB into one interactive zsh on a pseudo-terminal
    // (zpty) with compinit loaded and the script sourced or autoloaded from
    // $fpath, then clears the line (^U). A compadd wrapper appends every match
    // offered to the out file, and a comppostfunc (which _main_complete
    // empties after each use, hence it re-adds itself) ends each line's block
    // with <done>. Listing is off so no "show all?" question eats the ^U.
    private const string ZshDriver = """
        zmodload zsh/zpty || exit 3
        mode=$1 script=$2 out=$3
        shift 3
        ready=$out.ready
        done_count() {
          local -a lines
          [[ -f $out ]] && lines=("${(@f)$(<$out)}")
          print ${#${(M)lines:#<done>}}
        }
        await() {
          integer i
          for (( i = 0; i < 500; i++ )); do
            eval "$1" && return 0
            zpty -rt z junk 2>/dev/null
            sleep 0.02
          done
          return 1
        }
        zpty z zsh -f -i || exit 3
        if [[ $mode == fpath ]]; then
          load="fpath=(${(q)script:h} \$fpath); autoload -U compinit; compinit -u -D"
        else
          load="autoload -U compinit; compinit -u -D; source ${(q)script}"
        fi
        zpty -w z "PS1=''; RPROMPT=''; unsetopt beep auto_list auto_menu; bindkey -e; $load"
        zpty -w z "compadd() { if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd \"\$@\"; return; fi; local -a __m; builtin compadd -O __m \"\$@\"; print -rl -- \$__m >> ${(q)out}; builtin compadd \"\$@\"; }"
        zpty -w z "_p_test_done() { print -r -- '<done>' >> ${(q)out}; comppostfuncs+=(_p_test_done) }; comppostfuncs=(_p_test_done); print ok > ${(q)ready}"
        await '[[ -f $ready ]]' || { zpty -d z; exit 4; }
        integer n=0
        for line in "$@"; do
          zpty -w -n z "$line"$'\t'
          (( ++n ))
          await '(( $(done_count) >= n ))' || { zpty -d z; exit 5; }
          zpty -w -n z $'\x15'
        done
        zpty -d z
        """;

    [Fact]
    public async Task Bash_completes_commands_worker_names_and_job_ids()
    {
        using var world = TestWorld.CreateLocal(output);
        var ids = await AddWorkersAndJobs(world);
        var script = await WriteScript(world, "bash");

        await AssertCompletions(ids, lines => Bash(world, script, lines));
    }

    [Theory]
    [InlineData("source")]
    [InlineData("fpath")]
    public async Task Zsh_completes_commands_worker_names_and_job_ids(string load)
    {
        using var world = TestWorld.CreateLocal(output);
        var ids = await AddWorkersAndJobs(world);
        var script = await WriteScript(world, "zsh");
        var check = await ProcessRunner.RunAsync(ZshPath, ["-n", script]);
        Assert.True(check.ExitCode == 0 && check.Stderr.Length == 0, $"zsh -n\n{check}");

        await AssertCompletions(ids, lines => Zsh(world, script, load, lines));
    }

    [Fact]
    public async Task Bash_offers_exactly_the_options_each_command_documents()
    {
        using var world = TestWorld.CreateLocal(output);
        var script = await WriteScript(world, "bash");

        await AssertOptionsMatchHelp(world, lines => Bash(world, script, lines));
    }

    [Fact]
    public async Task Zsh_offers_exactly_the_options_each_command_documents()
    {
        using var world = TestWorld.CreateLocal(output);
        var script = await WriteScript(world, "zsh");

        await AssertOptionsMatchHelp(world, lines => Zsh(world, script, "source", lines));
    }

    private static string ZshPath => RequiredTools.Find("zsh", "zsh");

    /// <summary>Workers local (the default) and beefy; two finished jobs on local. Returns their short ids.</summary>
    private static async Task<string[]> AddWorkersAndJobs(TestWorld world)
    {
        (await world.P(world.ClientHome, "worker", "register", "local")).AssertExit(0);
        (await world.P(world.ClientHome, "worker", "register", "alice@h1", "-n", "beefy")).AssertExit(0);
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var started = await world.P(world.ClientHome, "-d", "-n", "--", "true");
            started.AssertExit(0);
            ids.Add(started.Stdout.Trim()[..8]);
        }
        return [.. ids];
    }

    private static async Task AssertCompletions(string[] ids, Func<IReadOnlyList<string>, Task<string[][]>> complete)
    {
        var prefix = ids[0][..5];
        var cases = new (string Line, string[] Expected)[]
        {
            ("p wor", ["worker"]),
            ("p worker r", ["register", "rm"]),
            ("p worker rm ", WorkerNames),
            ("p worker default b", ["beefy"]),
            ("p logs ", ids),
            ("p logs -f ", ids),
            ($"p logs {prefix}", [.. ids.Where(id => id.StartsWith(prefix, StringComparison.Ordinal))]),
            ("p pull ", ids),
            ($"p rm {ids[0]} ", ids),
            ("p ", [.. Verbs, .. WorkerNames]),
            ("p be", ["beefy"]),
            ("p -n ", WorkerNames),
            ("p beefy ", ["--"]),
            ("p ls -w ", WorkerNames),
            ("p completion ", ["bash", "zsh"]),
        };
        var failures = new List<string>();
        var results = await complete([.. cases.Select(c => c.Line)]);
        foreach (var ((line, expected), offered) in cases.Zip(results))
        {
            if (!Sorted(offered).SequenceEqual(Sorted(expected)))
            {
                failures.Add($"'{line}<TAB>': expected [{string.Join(' ', expected)}], got [{string.Join(' ', offered)}]");
            }
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static async Task AssertOptionsMatchHelp(TestWorld world, Func<IReadOnlyList<string>, Task<string[][]>> complete)
    {
        var documented = new List<string[]>();
        foreach (var command in Commands)
        {
            var help = await world.P(world.ClientHome, [.. command, "--help"], PCli.DefaultTimeout);
            help.AssertExit(0);
            // `p -- cmd` is the run form itself, offered with the root's options.
            documented.Add([.. DocumentedOptions(help.Stdout), .. command.Length == 0 ? ["--"] : Array.Empty<string>()]);
        }
        var lines = Commands.Select(command => string.Join(' ', ["p", .. command, "-"])).ToList();
        var results = await complete(lines);
        var failures = new List<string>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (!Sorted(results[i]).SequenceEqual(Sorted(documented[i])))
            {
                failures.Add($"'{lines[i]}<TAB>': --help lists [{string.Join(' ', documented[i])}], completion offers [{string.Join(' ', results[i])}]");
            }
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    /// <summary>The option names in a --help text, without the help aliases and --version nobody completes.</summary>
    private static string[] DocumentedOptions(string help)
    {
        var section = help.Split("Options:", 2)[1].Split("\n\n", 2)[0];
        return [.. section.Split('\n')
            .Select(l => OptionLine().Match(l))
            .Where(m => m.Success)
            .SelectMany(m => m.Groups[1].Value.Split(", "))
            .Select(alias => alias.Split(' ')[0])
            .Where(alias => alias is not ("-?" or "-h" or "--version"))];
    }

    private static string[] Sorted(IEnumerable<string> words) => [.. words.Distinct().Order(StringComparer.Ordinal)];

    private async Task<string> WriteScript(TestWorld world, string shell)
    {
        var result = await world.P(world.ClientHome, "completion", shell);
        result.AssertExit(0);
        var path = Path.Combine(world.Root, shell == "zsh" ? "_p" : "p.bash");
        await File.WriteAllTextAsync(path, result.Stdout);
        output.WriteLine($"wrote {path}");
        return path;
    }

    /// <summary>The world's environment with the p under test first on PATH, as the scripts call plain `p`.</summary>
    private static Dictionary<string, string> ShellEnvironment(TestWorld world)
    {
        var env = new Dictionary<string, string>(world.Environment, StringComparer.Ordinal);
        var bin = Path.GetDirectoryName(world.PBinary ?? PCli.BinaryPath)!;
        env["PATH"] = bin + ":" + env.GetValueOrDefault("PATH", "/usr/bin:/bin");
        return env;
    }

    private async Task<string[][]> Bash(TestWorld world, string script, IReadOnlyList<string> lines)
    {
        var bash = RequiredTools.Find("bash", "bash");
        var results = new List<string[]>();
        foreach (var line in lines)
        {
            var result = await ProcessRunner.RunAsync(bash, ["-c", BashDriver, "bash", script, line], ShellEnvironment(world), world.ClientHome);
            output.WriteLine($"bash: '{line}<TAB>' →\n{result}");
            Assert.True(result.ExitCode == 0 && result.Stderr.Length == 0, $"completing '{line}' in bash\n{result}");
            results.Add(result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        return [.. results];
    }

    private async Task<string[][]> Zsh(TestWorld world, string script, string load, IReadOnlyList<string> lines)
    {
        var driver = Path.Combine(world.Root, "complete.zsh");
        await File.WriteAllTextAsync(driver, ZshDriver);
        var matches = Path.Combine(world.Root, $"matches-{Guid.NewGuid():N}");
        var result = await ProcessRunner.RunAsync(
            ZshPath, ["-f", driver, load, script, matches, .. lines], ShellEnvironment(world), world.ClientHome, timeout: TimeSpan.FromSeconds(60));
        var text = File.Exists(matches) ? await File.ReadAllTextAsync(matches) : "";
        output.WriteLine($"zsh ({load}): {string.Join(", ", lines.Select(l => $"'{l}<TAB>'"))} →\n{text}\n{result}");
        Assert.True(result.ExitCode == 0, $"completing in zsh (exit 4: no prompt, 5: a completion did not finish)\n{result}\n{text}");
        // One block per line, each ended by <done>; _describe also calls
        // compadd for hidden helpers that match nothing, hence the empty lines.
        var blocks = text.Split("<done>\n");
        Assert.True(blocks.Length == lines.Count + 1, $"expected {lines.Count} completions from zsh\n{text}");
        return [.. blocks[..^1].Select(b => b.Split('\n', StringSplitOptions.RemoveEmptyEntries))];
    }

    [GeneratedRegex(@"^  (-\S.*?)(?:\s{2,}|$)")]
    private static partial Regex OptionLine();
}
