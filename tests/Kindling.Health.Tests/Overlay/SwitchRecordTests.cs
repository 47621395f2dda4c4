using System.Text;
using Kindling.Dns;
using Kindling.Dns.Records;
using Kindling.Health.Failover;
using Kindling.Health.Overlay;

namespace Kindling.Health.Tests.Overlay;

/// <summary>The maintenance override's TXT name and UPDATE, built from the failover name the loader parsed.</summary>
public sealed class SwitchRecordTests
{
    [Fact]
    public void NameFor_PutsTheFailoverLabelInFrontOfTheName()
    {
        var name = SwitchRecord.NameFor(DomainName.Parse("www.Tinder-node-server.com."));

        Assert.Equal("_failover.www.Tinder-node-server.com.", name.ToString());
        Assert.Equal(DomainName.Parse("www.tinder-node-server.com."), name.Parent());
    }

    [Fact]
    public void BuildUpdate_DeletesTheTxtThenAddsTheForcedSide()
    {
        var zone = DomainName.Parse("tinder-node-server.com.");
        var message = SwitchRecord.BuildUpdate(zone, DomainName.Parse("www.tinder-node-server.com."), FailoverMode.ForceBackup, 7);

        Assert.Equal(zone, Assert.Single(message.Questions).Name);
        Assert.Equal(2, message.Authority.Count);
        Assert.All(message.Authority, r => Assert.Equal("_failover.www.tinder-node-server.com.", r.Name.ToString()));
        Assert.Equal((RecordType.TXT, RecordClass.ANY), (message.Authority[0].Type, message.Authority[0].Class));
        var txt = Assert.IsType<TxtRecord>(message.Authority[1].Data);
        Assert.Equal("backup", Encoding.ASCII.GetString(Assert.Single(txt.Strings)));
    }

    [Fact]
    public void BuildUpdate_Automatic_OnlyDeletes()
    {
        var message = SwitchRecord.BuildUpdate(DomainName.Parse("example.com."), DomainName.Parse("www.example.com."), FailoverMode.Auto, 7);

        var delete = Assert.Single(message.Authority);
        Assert.Equal(RecordClass.ANY, delete.Class);
        Assert.Null(delete.Data);
    }
}
