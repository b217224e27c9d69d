namespace P.IntegrationTests.Infrastructure;

/// <summary>Tests against a worker whose login shell is fish share one FishSshdFixture.</summary>
[CollectionDefinition(Name)]
public sealed class FishSshdCollection : ICollectionFixture<FishSshdFixture>
{
    public const string Name = "sshd-fish";
}
