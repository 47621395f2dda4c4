using CsCheck;
using Kindling.Health.Failover;
using Kindling.Testing;

namespace Kindling.Health.Tests.Failover;

public sealed class FailoverFileLoaderTests
{
    private const string IssueExample = """
        records:
          - name: www.tinder-node-server.com.
            primary: [172.30.41.193]
            backup: [172.30.41.194]
            ttl: 5
            check:
              url: https://{address}:443/healthz   # http://, https:// or tcp://{address}:PORT
              interval: 1s
              timeout: 500ms
              fall: 3
              rise: 5
              holdDown: 10s
        """;

    private static string Errors(string yaml) =>
        string.Join("\n", FailoverFileLoader.Load(yaml, "failover.yaml").Errors.Select(e => e.ToString()));

    [Fact]
    public void Load_TheIssueExample_ReadsEveryField()
    {
        var result = FailoverFileLoader.Load(IssueExample, "failover.yaml");

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        Assert.Empty(result.Diagnostics);
        var record = Assert.Single(result.Value!.Records);
        Assert.Equal("www.tinder-node-server.com.", record.Name.ToString());
        Assert.Equal("172.30.41.193", Assert.Single(record.Primary).ToString());
        Assert.Equal("172.30.41.194", Assert.Single(record.Backup).ToString());
        var check = Assert.Single(record.Checks);
        Assert.Equal(ProbeKind.Https, check.Kind);
        Assert.Equal("https://172.30.41.193:443/healthz", check.UrlFor(record.Primary[0]));
        Assert.Equal(new FailoverTimings(), record.Timings);
    }

    [Fact]
    public void Load_Minimal_UsesTheDefaults()
    {
        var result = FailoverFileLoader.Load("""
            records:
              - name: WWW.Example.com
                primary: 10.0.0.1
                backup: [10.0.0.2, "fd00::2"]
                check: { url: "tcp://{address}:9000" }
            """, "f.yaml");

        var record = Assert.Single(result.GetValueOrThrow().Records);
        Assert.Equal("www.example.com.", record.Name.ToString());
        Assert.Equal(5, record.Ttl);
        Assert.Equal(TimeSpan.FromSeconds(1), record.Timings.Interval);
        Assert.Equal(TimeSpan.FromMilliseconds(100), record.Timings.FastInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(500), record.Timings.Timeout);
        Assert.Equal(3, record.Timings.Fall);
        Assert.Equal(5, record.Timings.Rise);
        Assert.Equal(TimeSpan.FromSeconds(10), record.Timings.HoldDown);
        Assert.Equal("tcp://[fd00::2]:9000", record.Checks[0].UrlFor(record.Backup[1]));
    }

    [Fact]
    public void Load_ServiceList_EachWithItsOwnSettings()
    {
        using var dir = new TempDirectory();
        var pki = new TestPki();
        dir.Write("ca.pem", pki.CaPem);
        var path = dir.Write("failover.yaml", """
            webhook: http://127.0.0.1:9/transitions
            records:
              - name: www.tinder-node-server.com.
                primary: [127.0.0.2]
                backup: [127.0.0.3]
                check:
                  ca: ca.pem
                  host: www.tinder-node-server.com
                  urls:
                    - url: https://{address}:443/v2/
                      expect: [200, 401]
                    - https://{address}:8081/index.yaml
                    - url: http://{address}:9000/kubean/probe.txt
                      method: head
                    - url: https://{address}:443/healthz
                      body: '"status":"ok"'
                parity:
                  url: https://{address}:443/kindling/v1/content-digest
            """);

        var file = FailoverFileLoader.LoadFile(path).GetValueOrThrow();

        Assert.Equal("http://127.0.0.1:9/transitions", file.Webhook?.ToString());
        var checks = file.Records[0].Checks;
        Assert.Equal(4, checks.Count);
        Assert.Equal([200, 401], checks[0].ExpectStatus);
        Assert.Empty(checks[1].ExpectStatus);
        Assert.All(checks, c => Assert.Equal(dir.File("ca.pem"), c.CaFile));
        Assert.All(checks, c => Assert.Equal("www.tinder-node-server.com", c.Host));
        Assert.Equal("HEAD", checks[2].Method);
        Assert.Equal(ProbeKind.Http, checks[2].Kind);
        Assert.Equal("\"status\":\"ok\"", checks[3].BodyContains);
        Assert.Equal("https://{address}:443/kindling/v1/content-digest", file.Records[0].Parity?.UrlTemplate);
    }

    [Theory]
    [InlineData("primary: [300.1.1.1]", "failover.yaml:3: records[0].primary[0]: \"300.1.1.1\" is not an IPv4 or IPv6 address")]
    [InlineData("primary: []", "failover.yaml:3: records[0].primary: the list is empty")]
    [InlineData("check: { url: 'https://host:443/healthz' }", "failover.yaml:3: records[0].check.url: \"https://host:443/healthz\" has no {address}")]
    [InlineData("check: { url: 'ftp://{address}/x' }", "failover.yaml:3: records[0].check.url: \"ftp\" is not supported")]
    [InlineData("check: { url: 'tcp://{address}' }", "failover.yaml:3: records[0].check.url: \"tcp://{address}\" has no port")]
    [InlineData("check: { url: 'http://{address}/', interval: 1 minute }", "failover.yaml:3: records[0].check.interval: \"1 minute\" is not a duration")]
    [InlineData("check: { url: 'http://{address}/', fall: 0 }", "failover.yaml:3: records[0].check.fall: 0 is out of range")]
    [InlineData("check: { url: 'http://{address}/', fastInterval: 2s }", "records[0].check.fastInterval: the fast re-probe interval must not exceed the interval")]
    [InlineData("check: { url: 'https://{address}/', ca: /nonexistent/ca.pem }", "failover.yaml:3: records[0].check.ca: cannot read the CA file /nonexistent/ca.pem")]
    [InlineData("check: { url: 'http://{address}/', expect: 700 }", "records[0].check.expect: \"700\" is not an HTTP status code")]
    [InlineData("ttl: -1", "failover.yaml:3: records[0].ttl: -1 is out of range")]
    public void Load_BadValue_NamesFileLineAndPath(string line, string expected)
    {
        var yaml = $"""
            records:
              - name: www.example.com.
                {line}
                primary: [10.0.0.1]
                backup: [10.0.0.2]
                check: {"{"} url: 'http://{"{"}address{"}"}/healthz' {"}"}
            """;
        // The tested line comes first, so a duplicate key of the defaults below is not what is reported.
        yaml = string.Join('\n', yaml.Split('\n').Where((l, i) => i < 3 || !l.TrimStart().StartsWith(line.Split(':')[0] + ":", StringComparison.Ordinal)));

        Assert.Contains(expected, Errors(yaml), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingPieces_AreEachReported()
    {
        var errors = Errors("""
            records:
              - primary: [10.0.0.1]
              - name: a.example.
                primary: [10.0.0.1]
                backup: [10.0.0.2]
                check: { url: 'http://{address}/' }
              - name: A.example
                primary: [10.0.0.1]
                backup: [10.0.0.2]
                check: { url: 'http://{address}/' }
            """);

        Assert.Contains("failover.yaml:2: records[0].name: missing", errors, StringComparison.Ordinal);
        Assert.Contains("records[0].backup: missing", errors, StringComparison.Ordinal);
        Assert.Contains("records[0].check: missing", errors, StringComparison.Ordinal);
        Assert.Contains("failover.yaml:7: records[2].name: a.example. is already declared at records[1]", errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "failover.yaml:1: the file is empty")]
    [InlineData("- a\n- b\n", "expected a failover file (a mapping with a records: list), found a list")]
    [InlineData("records:\n\t- name: x\n", "YAML is indented with spaces, not tabs")]
    [InlineData("webhook: ftp://x/\nrecords: []\n", "failover.yaml:1: webhook: \"ftp://x/\" is not an http or https URL")]
    [InlineData("records: []\n", "records: the list is empty")]
    public void Load_BadFile_ExplainsIt(string yaml, string expected) =>
        Assert.Contains(expected, Errors(yaml), StringComparison.Ordinal);

    [Fact]
    public void Load_UnknownKey_IsAWarningWithItsLine()
    {
        var result = FailoverFileLoader.Load(IssueExample + "\n    colour: red\n", "failover.yaml");

        Assert.True(result.Succeeded);
        Assert.Equal("failover.yaml:13: warning: records[0].colour: unknown field, ignored (check its spelling and indentation)", Assert.Single(result.Warnings).ToString());
    }

    [Fact]
    public void ParseDuration_RoundTripsMilliseconds() =>
        Gen.Int[0, 86_400_000].Sample(ms =>
            FailoverFileLoader.ParseDuration($"{ms}ms") == TimeSpan.FromMilliseconds(ms)
            && FailoverFileLoader.ParseDuration($"{ms / 1000.0:0.###}s".Replace(',', '.')) == TimeSpan.FromMilliseconds(ms));

    [Fact]
    public void Load_ArbitraryText_NeverThrows() =>
        Gen.String.Sample(text => { _ = FailoverFileLoader.Load(text, "fuzz.yaml"); });
}
