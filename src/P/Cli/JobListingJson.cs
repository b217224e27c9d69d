using System.Text.Json.Serialization;

namespace P.Cli;

/// <summary>Source-generated (NativeAOT has no reflection serializer); nulls are written so every object has every key.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(IReadOnlyList<JobListing>))]
internal sealed partial class JobListingJson : JsonSerializerContext;
