using CsCheck;
using Kindling.Dns.Records;

namespace Kindling.Dns.Tests.Wire;

/// <summary>Round trips and robustness of the codec over generated data (CsCheck shrinks any failure to a small case).</summary>
public class MessagePropertyTests
{
    [Fact]
    public void ParseOfWrite_AnyMessage_IsTheSameMessage()
    {
        Generators.Message.Sample(message =>
        {
            var parsed = DnsMessage.Parse(message.ToArray());
            Generators.AssertSame(message, parsed);
        }, iter: 3000);
    }

    [Fact]
    public void Parse_ArbitraryBytes_OnlyEverThrowsFormatErrors()
    {
        Gen.Byte.Array[0, 300].Sample(bytes =>
        {
            try
            {
                DnsMessage.Parse(bytes);
            }
            catch (DnsFormatException)
            {
            }
        }, iter: 20000);
    }

    [Fact]
    public void Parse_MutatedValidMessages_OnlyEverThrowsFormatErrors()
    {
        Gen.Select(Generators.Message, Gen.Int, Gen.Byte, (m, position, value) => (m, position, value)).Sample(t =>
        {
            var wire = t.m.ToArray();
            wire[Math.Abs(t.position % wire.Length)] = t.value;
            try
            {
                DnsMessage.Parse(wire);
            }
            catch (DnsFormatException)
            {
            }
        }, iter: 5000);
    }

    [Fact]
    public void PresentationOf_AnyRecordData_ParsesBackToTheSameData()
    {
        Generators.Data.Sample(data =>
        {
            var text = RdataText.FromString(data.ToString(), DomainName.Root);
            var parsed = RecordData.Parse(data.Type, text);
            Assert.Equal(data, parsed);
        }, iter: 3000);
    }
}
