using Kindling.Testing;

namespace Kindling.EndToEnd.Tests.Failover;

/// <summary>
/// The two HTTPS nodes a failover test watches: the primary on 127.0.0.2 and the backup on 127.0.0.3, on one port.
/// </summary>
internal sealed class PrimaryAndBackup(int port, HttpsNode primary, HttpsNode backup) : IDisposable
{
    public int Port => port;

    public HttpsNode Primary => primary;

    public HttpsNode Backup => backup;

    /// <summary>Both nodes' certificates: what the failover file's <c>ca</c> holds.</summary>
    public string CaPem => Primary.CertificatePem + Backup.CertificatePem;

    /// <summary>
    /// The failover file's <c>records:</c> section (no newline at its end) for www.tinder-node-server.com on these
    /// nodes: TTL 5, an HTTPS check with the nodes' <c>ca.pem</c> and then each of <paramref name="checkSettings"/>.
    /// </summary>
    public string RecordsYaml(params string[] checkSettings) => string.Join('\n', [
        "records:",
        "  - name: www.tinder-node-server.com.",
        "    primary: [127.0.0.2]",
        "    backup: [127.0.0.3]",
        "    ttl: 5",
        "    check:",
        $"      url: https://{{address}}:{Port}/healthz",
        "      ca: ca.pem",
        .. checkSettings.Select(setting => "      " + setting)]);

    public static async Task<PrimaryAndBackup> StartAsync()
    {
        var port = FreePort.Tcp("127.0.0.2");
        var primary = await HttpsNode.StartAsync("127.0.0.2", port);
        try
        {
            return new PrimaryAndBackup(port, primary, await HttpsNode.StartAsync("127.0.0.3", port));
        }
        catch
        {
            primary.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Backup.Dispose();
        Primary.Dispose();
    }
}
