namespace P.IntegrationTests.Infrastructure;

/// <summary>An sshd whose user has /usr/bin/fish as login shell: every ssh command is parsed by fish.</summary>
public sealed class FishSshdFixture : SshdFixture
{
    public FishSshdFixture()
        : base("/usr/bin/fish")
    {
    }
}
