using P.IntegrationTests.Infrastructure;
using P.IntegrationTests.RunFlow;
using Xunit.Abstractions;

namespace P.IntegrationTests.RemoteExec;

/// <summary>`-e NAME[=VALUE]` and `--env-file` in docker's conventions.</summary>
[Collection(EnvironmentAndWaitCollection.Name)]
public sealed class EnvironmentTests(SshdFixture sshd, ITestOutputHelper output)
{
    [Fact]
    public async Task A_name_alone_passes_the_clients_value_or_nothing_and_env_file_values_are_literal()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();
        world.Environment["SET_ON_CLIENT"] = "client's $value";
        world.Environment.Remove("UNSET_ON_CLIENT");
        world.Environment.Remove("UNSET_IN_FILE");
        var envFile = Path.Combine(world.ClientHome, "job.env");
        File.WriteAllText(envFile, """
            # docker's env-file: comments, blank lines, NAME or NAME=VALUE

            QUOTED="kept quotes" and 'these'
            FROM_CLIENT_VIA_FILE
            UNSET_IN_FILE
            EMPTY_IN_FILE=
            DOLLAR=$HOME `id` \n

            """);
        const string Names = "SET_ON_CLIENT UNSET_ON_CLIENT EMPTY QUOTED FROM_CLIENT_VIA_FILE UNSET_IN_FILE EMPTY_IN_FILE DOLLAR";
        world.Environment["FROM_CLIENT_VIA_FILE"] = "via file";

        var result = await world.P(world.ClientHome, [
            "-n", "-e", "SET_ON_CLIENT", "-e", "UNSET_ON_CLIENT", "-e", "EMPTY=", "--env-file", envFile, "--",
            $"for v in {Names}; do eval \"if [ \\\"\\${{$v+set}}\\\" ]; then printf '%s=[%s]\\n' $v \\\"\\${{$v}}\\\"; else echo $v-unset; fi\"; done"],
            PCli.DefaultTimeout);

        result.AssertExit(0);
        Assert.Equal(
            "SET_ON_CLIENT=[client's $value]\n"
            + "UNSET_ON_CLIENT-unset\n"
            + "EMPTY=[]\n"
            + "QUOTED=[\"kept quotes\" and 'these']\n"
            + "FROM_CLIENT_VIA_FILE=[via file]\n"
            + "UNSET_IN_FILE-unset\n"
            + "EMPTY_IN_FILE=[]\n"
            + "DOLLAR=[$HOME `id` \\n]\n",
            result.Stdout);
    }

    [Fact]
    public async Task A_bad_variable_name_is_a_usage_error_and_starts_no_job()
    {
        using var world = sshd.CreateWorld(output);
        await world.RegisteredWorker();

        var result = await world.P(world.ClientHome, "-n", "-e", "1BAD=x", "--", "true");

        Assert.Equal(2, result.ExitCode);
        result.AssertOneLineError();
        Assert.Empty(world.Jobs());
    }
}

[CollectionDefinition(Name)]
public sealed class EnvironmentAndWaitCollection : ICollectionFixture<SshdFixture>
{
    public const string Name = "sshd-environment-wait";
}
