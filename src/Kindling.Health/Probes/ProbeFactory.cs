using System.Net;
using System.Security.Cryptography.X509Certificates;
using Kindling.Health.Failover;

namespace Kindling.Health.Probes;

/// <summary>Builds the real probes for a record's nodes from its checks.</summary>
internal sealed class ProbeFactory(TimeProvider time)
{
    private readonly Dictionary<string, X509Certificate2Collection> _cas = new(StringComparer.Ordinal);

    /// <summary>The probe of one side: every check of every address of that side.</summary>
    public IHealthProbe ForSide(FailoverRecord record, Side side) =>
        new NodeProbe([.. record.AddressesOf(side).SelectMany(a => record.Checks.Select(c => ForAddress(c, a, record.Timings.Timeout)))]);

    public IHealthProbe ForAddress(CheckSpec check, IPAddress address, TimeSpan timeout)
    {
        var url = new Uri(check.UrlFor(address));
        return check.Kind switch
        {
            ProbeKind.Tcp => new TcpProbe(new IPEndPoint(address, url.Port), timeout, time),
            _ => new HttpProbe(url, timeout, time, check.CaFile is null ? null : TrustedCas(check.CaFile), check.Method, check.Host, check.ExpectStatus, check.BodyContains),
        };
    }

    /// <summary>The CA certificates of a PEM file, loaded once per file.</summary>
    public X509Certificate2Collection TrustedCas(string pemFile)
    {
        lock (_cas)
        {
            if (!_cas.TryGetValue(pemFile, out var collection))
            {
                collection = [];
                collection.ImportFromPemFile(pemFile);
                _cas[pemFile] = collection;
            }

            return collection;
        }
    }
}
