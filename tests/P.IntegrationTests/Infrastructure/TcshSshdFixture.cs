namespace P.IntegrationTests.Infrastructure;

/// <summary>An sshd whose user has /usr/bin/tcsh as login shell: every ssh command is parsed by tcsh.</summary>
public sealed class TcshSshdFixture : SshdFixture
{
    public TcshSshdFixture()
        : base("/usr/bin/tcsh")
    {
    }
}
