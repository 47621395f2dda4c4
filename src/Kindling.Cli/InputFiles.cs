using System.Net;
using Kindling.Config;

namespace Kindling.Cli;

/// <summary>Loads the files and addresses commands take, printing warnings and turning errors into exit code 2.</summary>
internal static class InputFiles
{
    public static ClusterConfig LoadClusterConfig(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"-c {path}: no such file; give the ClusterConfig (e.g. samples/clusterConfig.yaml)");
        }

        return Report(ClusterConfigLoader.LoadFile(path));
    }

    public static DceManifest LoadManifest(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"-m {path}: no such file; give DCE's manifest.yaml (e.g. samples/manifest.yaml)");
        }

        return Report(DceManifestLoader.LoadFile(path));
    }

    public static IPAddress? ParseIp(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }

        return NetworkNames.TryParseIp(text, out var ip) ? ip : throw new UsageException($"{option} {text}: not an IP address");
    }

    /// <summary>ADDR or ADDR:PORT (IPv6 as [ADDR]:PORT); port 53 when omitted.</summary>
    public static IPEndPoint? ParseEndpoint(string? text, string option, int defaultPort)
    {
        if (text is null)
        {
            return null;
        }

        if (NetworkNames.TryParseIp(text, out var bare))
        {
            return new IPEndPoint(bare, defaultPort);
        }

        if (IPEndPoint.TryParse(text, out var endpoint) && text.Contains(':', StringComparison.Ordinal) && endpoint.Port > 0)
        {
            return endpoint;
        }

        throw new UsageException($"{option} {text}: expected ADDRESS or ADDRESS:PORT (e.g. 127.0.0.1:5353 or [::1]:53)");
    }

    private static T Report<T>(LoadResult<T> result)
        where T : class
    {
        foreach (var warning in result.Warnings)
        {
            Console.Error.WriteLine(warning);
        }

        if (result.Value is null)
        {
            throw new UsageException(string.Join(Environment.NewLine, result.Errors.Select(e => e.ToString())), located: true);
        }

        return result.Value;
    }
}
