using System.Runtime.Versioning;

// Like p itself, the tests drive Unix shells and tools.
[assembly: UnsupportedOSPlatform("windows")]
