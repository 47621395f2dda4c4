using System.Buffers.Binary;
using Kindling.Dns.Records;

namespace Kindling.Dns.Server.Tests.Differential;

/// <summary>One query of the differential suite: the same octets go to BIND and to Kindling.</summary>
public sealed record DifferentialCase(string Name, RecordType Type, bool Tcp = false, ushort? Edns = 1232, bool Rd = true, bool Do = false)
{
    /// <summary>Hand-made octets instead of a generated query (malformed or unusual messages).</summary>
    public byte[]? Raw { get; init; }

    public string Label { get; init; } = "";

    public byte[] Wire(ushort id)
    {
        if (Raw is not null)
        {
            var copy = (byte[])Raw.Clone();
            BinaryPrimitives.WriteUInt16BigEndian(copy, id);
            return copy;
        }

        var query = DnsMessage.CreateQuery(DomainName.Parse(Name), Type, id, Rd, Edns ?? 0);
        if (Do && query.Edns is not null)
        {
            query.Edns = query.Edns with { DnssecOk = true };
        }

        return query.ToArray();
    }

    public override string ToString() =>
        Label.Length > 0 ? Label : $"{Name} {RecordTypeText.ToText(Type)} {(Tcp ? "tcp" : "udp")}{(Edns is { } e ? $" edns{e}" : " noedns")}{(Rd ? "" : " norec")}{(Do ? " do" : "")}";
}

/// <summary>The suite's queries: each interesting name with the types and transports that exercise it.</summary>
public static class DifferentialCases
{
    public static IReadOnlyList<DifferentialCase> All { get; } = Build();

    private static List<DifferentialCase> Build()
    {
        var cases = new List<DifferentialCase>();
        void Add(string name, params RecordType[] types)
        {
            foreach (var type in types)
            {
                cases.Add(new DifferentialCase(name, type));
            }
        }

        const RecordType A = RecordType.A, AAAA = RecordType.AAAA, TXT = RecordType.TXT, MX = RecordType.MX, NS = RecordType.NS,
            SOA = RecordType.SOA, ANY = RecordType.ANY, CNAME = RecordType.CNAME, SRV = RecordType.SRV, PTR = RecordType.PTR;

        // The seed's zones, as the seed's screenshots ask them.
        Add("www.tinder-node-server.com.", A, AAAA, ANY, TXT);
        Add("tinder-node-server.com.", SOA, NS, A, AAAA, ANY, MX);
        Add("ns.tinder-node-server.com.", A);
        Add("email.tinder-node-server.com.", A);
        Add("nothere.tinder-node-server.com.", A);
        Add("201.41.30.172.in-addr.arpa.", PTR, A);
        Add("41.30.172.in-addr.arpa.", PTR, SOA, NS, A, AAAA);
        Add("ns.41.30.172.in-addr.arpa.", A);
        Add("9.41.30.172.in-addr.arpa.", PTR);

        // Apex and plain names.
        Add("example.test.", SOA, NS, MX, TXT, A, AAAA, ANY, CNAME, SRV, RecordType.DS, RecordType.CAA);
        Add("www.example.test.", A, AAAA, TXT, ANY, CNAME, MX);
        Add("ns2.example.test.", A, AAAA);
        Add("mail.example.test.", A, MX);
        Add("ttl1.example.test.", A);
        Add("ttl2.example.test.", A);

        // Mixed case in the question and in the zone.
        Add("WwW.ExAmPlE.TeSt.", A, AAAA);
        Add("www2.example.test.", A);
        Add("WWW2.EXAMPLE.TEST.", A);
        Add("mixed.example.test.", A, TXT);
        Add("HOST.zone2.test.", A);
        Add("host2.ZONE2.test.", A);

        // NXDOMAIN and NODATA, empty non-terminals.
        Add("nope.example.test.", A, AAAA, TXT, ANY);
        Add("a.b.nope.example.test.", A);
        Add("www.example.test.", SRV, PTR, NS);
        Add("c.example.test.", A, ANY);
        Add("b.c.example.test.", A);
        Add("a.b.c.example.test.", TXT);
        Add("deep.a.b.c.example.test.", A, AAAA);
        Add("x.deep.a.b.c.example.test.", A);

        // CNAME chains, dangling, leaving the zones, loops, crossing zones, DNAME.
        Add("alias.example.test.", A, AAAA, CNAME, TXT, ANY, MX);
        Add("chain1.example.test.", A, AAAA, CNAME);
        Add("chain2.example.test.", A);
        Add("dangling.example.test.", A, CNAME);
        Add("outside.example.test.", A);
        Add("loop1.example.test.", A, CNAME);
        Add("crosszone.example.test.", A, AAAA);
        Add("back.zone2.test.", A);
        Add("dname.example.test.", RecordType.DNAME, A, ANY);
        Add("host.dname.example.test.", A, AAAA);
        Add("anything.dname.example.test.", A);
        Add("x.y.dname.example.test.", TXT);

        // Wildcards (RFC 4592).
        Add("foo.wild.example.test.", A, TXT, AAAA, ANY, MX);
        Add("a.b.foo.wild.example.test.", A, TXT);
        Add("explicit.wild.example.test.", A, TXT);
        Add("wild.example.test.", A, TXT);
        Add("*.wild.example.test.", A, TXT);
        Add("x.cnamewild.example.test.", A, CNAME, AAAA);
        Add("anything.zone2.test.", A, TXT);
        Add("a.b.zone2.test.", A);

        // Delegations with glue.
        Add("sub.example.test.", NS, A, SOA, ANY, RecordType.DS);
        Add("host.sub.example.test.", A, AAAA, MX);
        Add("ns.sub.example.test.", A);
        Add("a.b.deleg2.example.test.", A);
        Add("deleg2.example.test.", NS);

        // Other record types and TXT escapes.
        Add("txt1.example.test.", TXT);
        Add("txt2.example.test.", TXT);
        Add("emptytxt.example.test.", TXT);
        Add("_sip._tcp.example.test.", SRV, A);
        Add("caa.example.test.", RecordType.CAA, A);
        Add("naptr.example.test.", RecordType.NAPTR);
        Add("ptr.example.test.", PTR);
        Add("unknown.example.test.", (RecordType)65280, A);
        Add("lab.example.test.", TXT, A);
        Add("h1.lab.example.test.", A);
        Add("10.2.0.192.in-addr.arpa.", PTR);
        Add("25.2.0.192.in-addr.arpa.", PTR);
        Add("99.2.0.192.in-addr.arpa.", PTR);

        // Out of every zone.
        Add("example.com.", A);
        Add("www.google.com.", A);
        Add("test.", SOA);
        Add(".", NS);

        // Truncation and EDNS sizes, UDP and TCP.
        foreach (var (name, type) in new[] { ("big.example.test.", TXT), ("biga.example.test.", A), ("example.test.", ANY) })
        {
            cases.Add(new DifferentialCase(name, type, Edns: null));
            cases.Add(new DifferentialCase(name, type, Edns: 512));
            cases.Add(new DifferentialCase(name, type, Edns: 1232));
            cases.Add(new DifferentialCase(name, type, Edns: 4096));
            cases.Add(new DifferentialCase(name, type, Tcp: true));
            cases.Add(new DifferentialCase(name, type, Tcp: true, Edns: null));
        }

        // The same questions without recursion desired (authority NS added), over TCP, without EDNS, with DO.
        foreach (var (name, type) in new[] { ("www.example.test.", A), ("alias.example.test.", A), ("nope.example.test.", A), ("example.test.", MX),
            ("_sip._tcp.example.test.", SRV), ("www.tinder-node-server.com.", A), ("201.41.30.172.in-addr.arpa.", PTR), ("example.test.", NS),
            ("host.sub.example.test.", A), ("foo.wild.example.test.", A) })
        {
            cases.Add(new DifferentialCase(name, type, Rd: false));
            cases.Add(new DifferentialCase(name, type, Tcp: true));
            cases.Add(new DifferentialCase(name, type, Edns: null));
            cases.Add(new DifferentialCase(name, type, Do: true));
        }

        // Unusual messages.
        var query = DnsMessage.CreateQuery(DomainName.Parse("www.example.test."), A, 1).ToArray();
        cases.Add(new DifferentialCase("", A) { Raw = WithFlags(query, 0x1000), Label = "opcode STATUS -> NOTIMP" });
        cases.Add(new DifferentialCase("", A) { Raw = WithFlags(query, 0x1800), Label = "opcode 3 -> NOTIMP" });
        cases.Add(new DifferentialCase("", A) { Raw = EdnsVersion1(), Label = "EDNS version 1 -> BADVERS" });
        cases.Add(new DifferentialCase("", A) { Raw = TwoQuestions(), Label = "two questions -> FORMERR" });
        cases.Add(new DifferentialCase("", A) { Raw = NoQuestion(), Label = "no question -> FORMERR" });
        cases.Add(new DifferentialCase("", A) { Raw = [.. query, 0, 0, 0], Label = "trailing garbage, ignored" });
        cases.Add(new DifferentialCase("", A) { Raw = query[..^2], Label = "truncated question -> FORMERR" });
        cases.Add(new DifferentialCase("www.example.test.", RecordType.AXFR) { Label = "AXFR over UDP -> NOTAUTH" });
        cases.Add(new DifferentialCase("nope.example.test.", RecordType.AXFR) { Label = "AXFR over UDP, other name -> NOTAUTH" });
        cases.Add(new DifferentialCase("example.test.", RecordType.AXFR) { Label = "AXFR of a zone over UDP" });
        cases.Add(new DifferentialCase("example.test.", RecordType.AXFR, Edns: null) { Label = "AXFR of a zone over UDP, no EDNS" });
        cases.Add(new DifferentialCase("", A) { Raw = Ixfr(2024010101, 1232), Label = "IXFR over UDP, current serial" });
        cases.Add(new DifferentialCase("", A) { Raw = Ixfr(2024010100, 1232), Label = "IXFR over UDP, older serial" });
        cases.Add(new DifferentialCase("", A) { Raw = Ixfr(2024010100, 0), Label = "IXFR over UDP, older serial, no EDNS" });
        cases.Add(new DifferentialCase("", A) { Raw = Ixfr(2024010100, 1232, "nope.example.test."), Label = "IXFR over UDP, not a zone" });
        cases.Add(new DifferentialCase("", A) { Raw = Notify("example.test.", 1232), Label = "NOTIFY to the primary, EDNS" });
        cases.Add(new DifferentialCase("", A) { Raw = Notify("example.test.", 0), Label = "NOTIFY to the primary, no EDNS" });
        cases.Add(new DifferentialCase("", A) { Raw = Notify("example.com.", 1232), Label = "NOTIFY for a zone not served" });
        cases.Add(new DifferentialCase("", A) { Raw = NoQuestion(1232), Label = "no question, EDNS -> FORMERR with OPT" });
        cases.Add(new DifferentialCase("", A) { Raw = TwoQuestions(1232), Label = "two questions, EDNS -> FORMERR" });
        cases.Add(new DifferentialCase("", A) { Raw = Update("example.test.", 1232), Label = "UPDATE not allowed, EDNS -> REFUSED with OPT" });
        cases.Add(new DifferentialCase("", A) { Raw = Update("example.test.", 0), Label = "UPDATE not allowed, no EDNS -> REFUSED" });
        cases.Add(new DifferentialCase("", A) { Raw = Update("example.com.", 1232), Label = "UPDATE of a zone not served -> NOTAUTH" });
        cases.Add(new DifferentialCase("", A) { Raw = WithFlags(EdnsQuery(), 0x1000), Label = "opcode STATUS with EDNS -> NOTIMP" });
        cases.Add(new DifferentialCase("", A) { Raw = IxfrWithoutSoa(), Label = "IXFR over UDP without the client's SOA" });
        cases.Add(new DifferentialCase("zone2.test.", RecordType.AXFR) { Label = "AXFR over UDP, transfer not allowed" });
        cases.Add(new DifferentialCase("", A) { Raw = Ixfr(1, 1232, "zone2.test."), Label = "IXFR over UDP, transfer not allowed" });
        cases.Add(new DifferentialCase("zone2.test.", RecordType.AXFR, Tcp: true) { Label = "AXFR over TCP, transfer not allowed" });
        cases.Add(new DifferentialCase("", A) { Raw = Ixfr(2024010101, 1232), Tcp = true, Label = "IXFR over TCP, current serial" });
        cases.Add(new DifferentialCase("www.example.test.", RecordType.MAILB) { Label = "MAILB -> NOTIMP" });
        cases.Add(new DifferentialCase("www.example.test.", RecordType.MAILA) { Label = "MAILA -> NOTIMP" });
        return cases;
    }

    private static byte[] WithFlags(byte[] query, ushort opcodeBits)
    {
        var copy = (byte[])query.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(2), (ushort)(BinaryPrimitives.ReadUInt16BigEndian(copy.AsSpan(2)) | opcodeBits));
        return copy;
    }

    private static byte[] EdnsVersion1()
    {
        var message = DnsMessage.CreateQuery(DomainName.Parse("www.example.test."), RecordType.A, 1);
        message.Edns = new Edns(1232, 0, 1);
        return message.ToArray();
    }

    private static byte[] EdnsQuery() => DnsMessage.CreateQuery(DomainName.Parse("www.example.test."), RecordType.A, 1).ToArray();

    private static byte[] Ixfr(uint serial, ushort edns, string zone = "example.test.")
    {
        var message = DnsMessage.CreateQuery(DomainName.Parse(zone), RecordType.IXFR, 1, recursionDesired: false, udpPayloadSize: edns);
        message.Authority.Add(new ResourceRecord(DomainName.Parse(zone), 0,
            new SoaRecord(DomainName.Parse("ns1.example.test."), DomainName.Parse("hostmaster.example.test."), serial, 3600, 600, 86400, 60)));
        return message.ToArray();
    }

    private static byte[] IxfrWithoutSoa() =>
        DnsMessage.CreateQuery(DomainName.Parse("example.test."), RecordType.IXFR, 1, recursionDesired: false).ToArray();

    private static byte[] Notify(string zone, ushort edns)
    {
        var message = DnsMessage.CreateQuery(DomainName.Parse(zone), RecordType.SOA, 1, recursionDesired: false, udpPayloadSize: edns);
        message.Opcode = Opcode.Notify;
        message.AuthoritativeAnswer = true;
        return message.ToArray();
    }

    private static byte[] Update(string zone, ushort edns)
    {
        var message = new DnsMessage { Id = 1, Opcode = Opcode.Update };
        message.Questions.Add(new Question(DomainName.Parse(zone), RecordType.SOA));
        message.Authority.Add(new ResourceRecord(DomainName.Parse("added." + zone), 300, new ARecord(System.Net.IPAddress.Parse("192.0.2.77"))));
        if (edns > 0)
        {
            message.Edns = new Edns(edns);
        }

        return message.ToArray();
    }

    private static byte[] TwoQuestions(ushort edns = 0)
    {
        var message = DnsMessage.CreateQuery(DomainName.Parse("www.example.test."), RecordType.A, 1, udpPayloadSize: edns);
        message.Questions.Add(new Question(DomainName.Parse("mail.example.test."), RecordType.A));
        return message.ToArray();
    }

    private static byte[] NoQuestion(ushort edns = 0)
    {
        var message = new DnsMessage { Id = 1, RecursionDesired = true, Edns = edns > 0 ? new Edns(edns) : null };
        return message.ToArray();
    }
}
