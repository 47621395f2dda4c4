namespace Kindling.Dns;

/// <summary>A question entry (RFC 1035 §4.1.2).</summary>
public readonly record struct Question(DomainName Name, RecordType Type, RecordClass Class = RecordClass.IN)
{
    public bool EqualsExactly(Question other) => Name.EqualsExactly(other.Name) && Type == other.Type && Class == other.Class;

    public override string ToString() => $"{Name} {RecordTypeText.ToText(Class)} {RecordTypeText.ToText(Type)}";
}
