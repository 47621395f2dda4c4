using Kindling.Health.Failover;

namespace Kindling.Health.Observability;

/// <summary>The monitor's status as JSON (what <c>kindling dns status</c> prints), and transitions for the webhook.</summary>
public static class FailoverStatusJson
{
    public static string Render(IReadOnlyList<RecordStatus> records) =>
        System.Text.Json.JsonSerializer.Serialize(new StatusDocument(records), HealthJson.Default.StatusDocument);

    public static string Render(FailoverTransition transition) =>
        System.Text.Json.JsonSerializer.Serialize(new TransitionEvent("failover.transition", transition.Name, transition.From, transition.To,
            transition.Reason, transition.At, transition.Mode, transition.HoldDown.TotalSeconds, [.. transition.Addresses.Select(a => a.ToString())]),
            HealthJson.Default.TransitionEvent);
}
