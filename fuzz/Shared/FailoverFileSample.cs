namespace Kindling.Fuzz;

/// <summary>
/// A failover file that uses every field and form the loader accepts: the seed of the failover fuzz target
/// (fuzz/Kindling.Config.Fuzz) and of the loader's CsCheck properties (tests/Kindling.Health.Tests), one text for both.
/// </summary>
internal static class FailoverFileSample
{
    public const string Yaml = """
        webhook: http://127.0.0.1:9000/hooks/failover
        records:
          - name: www.tinder-node-server.com.
            primary: [172.30.41.193, "2001:db8::1"]
            backup: 172.30.41.194, 172.30.41.195
            ttl: 5
            check:
              host: www.tinder-node-server.com
              interval: 1s
              fastInterval: 100ms
              timeout: 500ms
              fall: 3
              rise: 5
              holdDown: 10s
              holdDownMax: 5m
              flapWindow: 10m
              urls:
                - url: https://{address}:443/v2/
                  expect: [200, 401]
                - https://{address}:8081/index.yaml
                - url: http://{address}:9000/kubean/.kindling-probe
                  method: HEAD
                  body: ok
            parity:
              url: https://{address}:443/kindling/v1/content-digest
          - name: charts
            primary: 127.0.0.1
            backup: [127.0.0.2]
            check: {url: "tcp://{address}:8081"}
        """;
}
