namespace P.IntegrationTests.Infrastructure;

/// <summary>
/// Tests against workers with the real login shell share one sshd. Tests in a
/// collection run one at a time; each builds its own TestWorld.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SshdCollection : ICollectionFixture<SshdFixture>
{
    public const string Name = "sshd";
}
