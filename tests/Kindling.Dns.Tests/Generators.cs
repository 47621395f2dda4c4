using System.Net;
using CsCheck;
using Kindling.Dns.Records;

namespace Kindling.Dns.Tests;

/// <summary>CsCheck generators for names, records and messages (any octets in labels and strings).</summary>
internal static class Generators
{
    public static readonly Gen<byte[]> Label = Gen.OneOf(
        Gen.Char['a', 'z'].Array[1, 8].Select(c => c.Select(x => (byte)x).ToArray()),
        Gen.Byte.Array[1, 12]);

    public static readonly Gen<DomainName> Name = Label.Array[0, 4].Select(labels =>
    {
        var name = DomainName.Root;
        foreach (var label in labels)
        {
            name = name.Prepend(label);
        }

        return name;
    });

    private static readonly Gen<byte[]> CharString = Gen.Byte.Array[0, 40];

    public static readonly Gen<RecordData> Data = Gen.OneOf<RecordData>(
        Gen.UInt.Select(v => (RecordData)new ARecord(new IPAddress(v))),
        Gen.Byte.Array[16].Select(b => (RecordData)new AaaaRecord(new IPAddress(b))),
        Name.Select(n => (RecordData)new NsRecord(n)),
        Name.Select(n => (RecordData)new CnameRecord(n)),
        Name.Select(n => (RecordData)new PtrRecord(n)),
        Name.Select(n => (RecordData)new DnameRecord(n)),
        Gen.Select(Gen.UShort, Name, (p, n) => (RecordData)new MxRecord(p, n)),
        CharString.Array[1, 3].Select(s => (RecordData)new TxtRecord(s)),
        Gen.Select(Gen.UShort, Gen.UShort, Gen.UShort, Name, (a, b, c, n) => (RecordData)new SrvRecord(a, b, c, n)),
        Gen.Select(Name, Name, Gen.UInt, Gen.UInt, Gen.UInt, (m, r, s, t, u) => (RecordData)new SoaRecord(m, r, s, t, u, s ^ t, 300)),
        Gen.Select(Gen.Byte, Gen.Char['a', 'z'].Array[1, 15], CharString, (f, t, v) => (RecordData)new CaaRecord(f, new string(t), v)),
        Gen.Select(Gen.UShort, Gen.UShort, CharString, CharString, CharString, Name, (o, p, f, s, r, n) => (RecordData)new NaptrRecord(o, p, f, s, r, n)),
        Gen.Select(Gen.UShort[65280, 65534], Gen.Byte.Array[0, 30], (t, d) => (RecordData)new OpaqueRecord((RecordType)t, d)));

    public static readonly Gen<ResourceRecord> Record =
        Gen.Select(Name, Gen.UInt, Data, (n, ttl, d) => new ResourceRecord(n, d.Type, RecordClass.IN, ttl, d));

    public static readonly Gen<Edns?> EdnsGen = Gen.OneOf(
        Gen.Const((Edns?)null),
        Gen.Select(Gen.UShort, Gen.Bool, Gen.Select(Gen.UShort, Gen.Byte.Array[0, 8], (c, d) => new EdnsOption(c, d)).Array[0, 2],
            (size, ok, options) => (Edns?)new Edns(size, 0, 0, ok) { Options = options }));

    public static readonly Gen<DnsMessage> Message =
        Gen.Select(Gen.UShort, Gen.UShort, Gen.Select(Name, Gen.UShort, (n, t) => new Question(n, (RecordType)t)).Array[0, 2],
            Record.Array[0, 4], Record.Array[0, 3], Record.Array[0, 3], EdnsGen,
            (id, flags, questions, answers, authority, additional, edns) =>
            {
                var message = new DnsMessage
                {
                    Id = id,
                    IsResponse = (flags & 1) != 0,
                    Opcode = (Opcode)((flags >> 1) & 0xF),
                    AuthoritativeAnswer = (flags & 0x20) != 0,
                    Truncated = (flags & 0x40) != 0,
                    RecursionDesired = (flags & 0x80) != 0,
                    RecursionAvailable = (flags & 0x100) != 0,
                    AuthenticData = (flags & 0x200) != 0,
                    CheckingDisabled = (flags & 0x400) != 0,
                    ResponseCode = (ResponseCode)(edns is null ? (flags >> 12) & 0xF : flags >> 8),
                    Edns = edns,
                };
                message.Questions.AddRange(questions);
                message.Answers.AddRange(answers);
                message.Authority.AddRange(authority);
                message.Additional.AddRange(additional);
                return message;
            });

    public static void AssertSame(DnsMessage expected, DnsMessage actual)
    {
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(
            (expected.IsResponse, expected.Opcode, expected.AuthoritativeAnswer, expected.Truncated, expected.RecursionDesired, expected.RecursionAvailable,
                expected.AuthenticData, expected.CheckingDisabled, expected.ResponseCode),
            (actual.IsResponse, actual.Opcode, actual.AuthoritativeAnswer, actual.Truncated, actual.RecursionDesired, actual.RecursionAvailable,
                actual.AuthenticData, actual.CheckingDisabled, actual.ResponseCode));
        Assert.Equal(expected.Questions.Count, actual.Questions.Count);
        Assert.True(expected.Questions.Zip(actual.Questions).All(p => p.First.EqualsExactly(p.Second)), "questions differ");
        Assert.Equal(expected.Answers, actual.Answers);
        Assert.Equal(expected.Authority, actual.Authority);
        Assert.Equal(expected.Additional, actual.Additional);
        Assert.Equal(expected.Edns, actual.Edns);
    }
}
