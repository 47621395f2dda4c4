namespace Kindling.EndToEnd.Tests.HighAvailability;

/// <summary>One request a client made: which tool, when it started and ended (seconds on the test's clock), whether it worked.</summary>
internal sealed record ClientRequest(string Tool, double Start, double End, bool Ok, string Detail);
