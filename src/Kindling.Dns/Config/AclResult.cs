namespace Kindling.Dns.Config;

/// <summary>An address match list's verdict: the first matching element allows or denies, or nothing matched.</summary>
public enum AclResult
{
    NoMatch,
    Allow,
    Deny,
}
