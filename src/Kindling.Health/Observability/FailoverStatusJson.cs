using Kindling.Health.Failover;

namespace Kindling.Health.Observability;

/// <summary>The monitor's status as JSON (what <c>kindling dns status</c> prints), and transitions for the webhook.</summary>
internal static class FailoverStatusJson
{
    public static string Render(IReadOnlyList<RecordStatus> records, Peers.PeerMesh? peers = null) =>
        System.Text.Json.JsonSerializer.Serialize(
            peers is null ? new StatusDocument(records) : new StatusDocument(records, peers.Self, peers.Status(), peers.RejectedUnknown),
            HealthJson.Default.StatusDocument);

    public static string Render(FailoverTransition transition) =>
        System.Text.Json.JsonSerializer.Serialize(new TransitionEvent("failover.transition", transition.Name, transition.From, transition.To,
            transition.Reason, transition.At, transition.Mode, transition.HoldDown.TotalSeconds, [.. transition.Addresses.Select(a => a.ToString())]),
            HealthJson.Default.TransitionEvent);
}
