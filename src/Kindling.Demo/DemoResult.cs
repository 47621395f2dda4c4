namespace Kindling.Demo;

/// <summary>What the demo measured and found.</summary>
public sealed class DemoResult
{
    public List<DemoOutcome> Outcomes { get; } = [];

    /// <summary>Primary killed → the DNS server's checks declare it down and switch (the server's own clock).</summary>
    public TimeSpan? Detection { get; set; }

    /// <summary>Primary killed → a client's query is answered with the backup.</summary>
    public TimeSpan? Switch { get; set; }

    /// <summary>Primary restarted → the DNS server's checks declare it up (rise begins the hold-down).</summary>
    public TimeSpan? PrimaryUp { get; set; }

    /// <summary>Primary restarted → a client's query is answered with the primary again.</summary>
    public TimeSpan? Failback { get; set; }

    /// <summary>With several DNS instances: lookups made while one instance was killed, and how many failed.</summary>
    public (int Lookups, int Failed)? InstanceKill { get; set; }

    public bool Passed => Outcomes.All(o => o.Passed);
}
