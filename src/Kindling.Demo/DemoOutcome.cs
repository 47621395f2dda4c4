namespace Kindling.Demo;

/// <summary>One line of the demo's final table.</summary>
public sealed record DemoOutcome(string What, bool Passed, string Detail);
