namespace P.IntegrationTests.Infrastructure;

/// <summary>Tests against a worker whose login shell is tcsh share one TcshSshdFixture.</summary>
[CollectionDefinition(Name)]
public sealed class TcshSshdCollection : ICollectionFixture<TcshSshdFixture>
{
    public const string Name = "sshd-tcsh";
}
