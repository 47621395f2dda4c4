using System.Text;
using CsCheck;
using Kindling.Fuzz;
using Kindling.Health.Failover;
using Kindling.Testing;

namespace Kindling.Health.Tests.Fuzz;

/// <summary>
/// The failover file loader on mutated valid files (issue 13; fuzz/Kindling.Config.Fuzz target failover runs it
/// longer): diagnostics with file:line, never an exception or a dead process.
/// </summary>
public sealed class FailoverFilePropertiesTests
{
    private const string Sample = FailoverFileSample.Yaml;

    private static readonly string[] Tokens =
    [
        "&a ", "*a", "[", "]", "{", "}", ": ", "\n  ", "\n- ", "- ", "!!binary ", "!!int ", "? ", "|\n  ", "\"", "'", "<<: *a\n", "---\n", "...\n", "~", "null",
        "1e400", "-1", "99999999999999999999", "\t", "#", "\r", "records:", "name: ", "primary: ", "backup: ", "ttl: ", "check:", "url: ", "urls:", "host: ",
        "expect: ", "{address}", "tcp://{address}:", "[::1]", "::ffff:1.2.3.4", "0ms", "25h", "1.5s", "9223372036854775807ms", "fall: ", "holdDown: ", "parity:",
    ];

    private static void Loads(string text)
    {
        var result = FailoverFileLoader.Load(text, "/nonexistent/failover.yaml");
        Assert.True(result.Succeeded || result.Errors.Any(), "a failed load says why");
        Assert.All(result.Errors, e => Assert.StartsWith("/nonexistent/failover.yaml", e.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public void Load_TheSample_Succeeds() =>
        Assert.Equal(2, FailoverFileLoader.Load(Sample, "/nonexistent/failover.yaml").GetValueOrThrow().Records.Count);

    [Fact]
    public void Load_MutatedSample_DiagnosticsNotExceptions() =>
        Gen.Int.Sample(seed => Loads(InputMutator.Mutate(Sample, Tokens, seed)), iter: 1000);

    [Fact]
    public void Load_RecordsSwappedDroppedOrDuplicated_DiagnosticsNotExceptions() =>
        Gen.Int.Sample(seed => Loads(InputMutator.Mutate(Sample, ["  - name: charts\n", "    check:\n", "    primary: 127.0.0.1\n"], seed, '\n')), iter: 500);

    [Theory]
    // fuzz target failover: YamlDotNet's parser and scanner threw InvalidOperationException (was uncaught).
    [InlineData("Li4uCmJob29rOiBodHRwOi8vMTI3LjAuMC5lci5jb20KICAxOj8AMDAvaG9va3MvZmFpbGt2ZXIKcmVjZmFsbCAwMC9ob29rcy9mYWlsaww6ICAgLSBuYQRtZTogd3d3aW5kZS1ub2RlLXNlcnY=")]
    [InlineData("d2ViaG9vazogaHR0cDovLzEyNy4wLjAuMTo5MDAwL2hvb2tzL2ZhaWxvdmVyCnJlY29yZHM6CiAgLSBuYW1lOiB3d3cudGluZGVyLW5vZGUtc2VydmVyLmNvbS4KICAgIHByaW1hcnk6IFsxNzIuMzAuNDEuMTkzLCAgIGJhY2t1cDogMTcyLjMwLjQxLjE5NCwgMTcyLjMwLjQxLjE5NQogICAgdHRsOiA1CiAgICBjaGVjazoKICAgICAgaG9zdDogd3d3LnRpbmRlci1ub2RlLXNlcnZlci5jb20KICAgIHZhbDogMXMKICAgICAgZmFzdEludGVydmFsOiAxMDBtcwogICAgICB0aW1lb3V0OiA1MDBtcwogICAgICBmYWxsOiAzCiAgICAgIHJpc2U6IDUKICAgICAgaG9sZERvd246IDEwcwogICAgICBob2xkRG93bk1heDogNW0KICAgICAgZmxhcFdpbmRvdzogMTBtCiAgICAgIHVybHM6CiAgICAgICAgLSB1cmw6IGh0dHBzOi8ve2FkZHJlc3N9OjQ0My92Mi8KICAgICAgICAgIGV4cGVjdDogWzIwMCwgNDAxXQogICAgICAgIC0gaHR0cHM6Ly97YWRkcmVzc306ODA4MS9pbmRleC55YW1sCiAgICAgICAgLSB1cmw6IGh0dHA6Ly97YWRkcmVzc306OTAwMC9rdWJlYW4vLmtpbmRsaW5nLXByb2JlCiAgICAgICAgICBtZXRob2Q6IEhFQUQKICAgICAgICAgIGJvZHk6IG9rCiAgICBwYXJpdHk6CiAgICAgIHVybDogaHR0cHM6Ly97YWRkcmVzR3N9OjQ0My9raW5kbGluZy92MS9jb250ZW50LWRpZ2VzMWU0MDB0CiAgLSBuYW1lOiBjaGFydHMKICAgIHByaW1hcnk6IDEyNy4wLjAuMQogICAgYmFja3VwOiBbMTI3LjAuMC4yXQogICAgY2hlY2s6IHt1cmw6ICJ0Y3A6Ly97YWRkcmVzc306ODA4MSJ9")]
    public void Load_YamlDotNetStateErrors_AreSyntaxErrors(string base64)
    {
        var result = FailoverFileLoader.Load(Encoding.UTF8.GetString(Convert.FromBase64String(base64)), "f.yaml");

        Assert.Contains("YAML syntax error", Assert.Single(result.Errors).ToString(), StringComparison.Ordinal);
    }
}
