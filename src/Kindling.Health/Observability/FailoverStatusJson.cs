using System.Text.Json;
using System.Text.Json.Serialization;
using Kindling.Health.Failover;

namespace Kindling.Health.Observability;

/// <summary>The monitor's status as JSON (what <c>kindling dns status</c> prints), and transitions for the webhook.</summary>
public static class FailoverStatusJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string Render(IReadOnlyList<RecordStatus> records) =>
        JsonSerializer.Serialize(new { records }, Options);

    public static string Render(FailoverTransition transition) =>
        JsonSerializer.Serialize(new
        {
            @event = "failover.transition",
            name = transition.Name,
            from = transition.From,
            to = transition.To,
            reason = transition.Reason,
            at = transition.At,
            mode = transition.Mode,
            holdDownSeconds = transition.HoldDown.TotalSeconds,
            addresses = transition.Addresses.Select(a => a.ToString()),
        }, Options);
}
