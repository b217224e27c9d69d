namespace P.Core;

internal sealed record Worker(string Name, Connection Connection);
