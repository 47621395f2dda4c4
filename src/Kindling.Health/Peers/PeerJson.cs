using System.Text.Json.Serialization;
using Kindling.Health.Failover;
using Kindling.Health.Observability;

namespace Kindling.Health.Peers;

/// <summary>The peer view on the wire: compact camelCase JSON, generated at compile time (the CLI is Native AOT).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    Converters = [typeof(CamelCaseEnum<Side>), typeof(CamelCaseEnum<SideState>)])]
[JsonSerializable(typeof(PeerView))]
internal sealed partial class PeerJson : JsonSerializerContext;
