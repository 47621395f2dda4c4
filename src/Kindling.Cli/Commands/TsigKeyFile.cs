using Kindling.Dns;
using Kindling.Dns.Config;
using Kindling.Dns.Tsig;

namespace Kindling.Cli.Commands;

/// <summary>Reads the one TSIG key of a key file in BIND syntax (<c>key "name" { algorithm hmac-sha256; secret "..."; };</c>).</summary>
internal static class TsigKeyFile
{
    public static TsigKey Load(string path)
    {
        NamedConf conf;
        try
        {
            conf = NamedConf.Load(path);
        }
        catch (Exception e) when (e is NamedConfException or DnsFormatException or IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--key {path}: {e.Message}");
        }

        return conf.Keys.Count == 1
            ? conf.Keys.Values.Single()
            : throw new UsageException($"--key {path}: expected exactly one key statement (key \"name\" {{ algorithm hmac-sha256; secret \"...\"; }};), found {conf.Keys.Count}; tsig-keygen NAME writes one");
    }
}
