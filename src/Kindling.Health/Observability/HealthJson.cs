using System.Text.Json;
using System.Text.Json.Serialization;
using Kindling.Health.Failover;

namespace Kindling.Health.Observability;

/// <summary>
/// The JSON the failover side writes and reads (status, webhook events, the state file), generated at compile time:
/// the CLI is compiled ahead of time, where reflection-built serializers are not available. Property names and
/// enum values are camelCase (<c>"active": "backup"</c>, <c>"mode": "forcePrimary"</c>).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    Converters = [typeof(CamelCaseEnum<Side>), typeof(CamelCaseEnum<FailoverMode>), typeof(CamelCaseEnum<SideState>)])]
[JsonSerializable(typeof(StatusDocument))]
[JsonSerializable(typeof(TransitionEvent))]
[JsonSerializable(typeof(FailoverStateDocument))]
internal sealed partial class HealthJson : JsonSerializerContext;

/// <summary>An enum as its camelCase name.</summary>
internal sealed class CamelCaseEnum<T>() : JsonStringEnumConverter<T>(JsonNamingPolicy.CamelCase) where T : struct, Enum;

/// <summary><c>GET /status</c>: every record's state; with peers also this instance's id, each peer, and the views from unknown senders.</summary>
internal sealed record StatusDocument(
    IReadOnlyList<RecordStatus> Records,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Self = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<Peers.PeerStatus>? Peers = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? PeerViewsFromUnknownSenders = null);

/// <summary>The webhook's body for one transition.</summary>
internal sealed record TransitionEvent(
    [property: JsonPropertyName("event")] string Event,
    string Name,
    Side From,
    Side To,
    string Reason,
    DateTimeOffset At,
    FailoverMode Mode,
    double HoldDownSeconds,
    IReadOnlyList<string> Addresses);

/// <summary>The failover state file: a version and each record's saved state.</summary>
internal sealed class FailoverStateDocument
{
    public int Version { get; set; } = 1;

    public List<FailoverRecordState> Records { get; set; } = [];
}
